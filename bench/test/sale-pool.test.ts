import { expect } from 'chai';
import { SalePool } from '../../bench/lib/sale-pool';

/** A creator that names sales s0, s1, ... and counts its calls. */
function counter() {
  let n = 0;
  return {
    create: async () => `s${n++}`,
    get calls() {
      return n;
    },
  };
}

describe('bench: sale pool (rotation within MAX_UNITS)', () => {
  it('gives each sale at most `quota` requests, in order, and creates the next sales ahead', async () => {
    const c = counter();
    const pool = await SalePool.open(3, c.create, 2);
    const seen: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      seen.push(pool.next());
      await pool.settled();
    }
    expect(seen).to.deep.equal(['s0', 's0', 's0', 's1', 's1', 's1', 's2', 's2', 's2', 's3']);
    expect(pool.used).to.deep.equal(['s0', 's1', 's2', 's3']);
    expect(pool.requests).to.equal(10);
    expect(pool.overflow).to.equal(0);
    // Always more than `ahead` sales beyond the current one once creations have settled.
    expect(c.calls).to.be.greaterThan(4 + 1);
    expect(pool.all.length).to.equal(c.calls);
  });

  it('never hands a sale more than its quota when requests outrun creation: they count as overflow', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let n = 0;
    const pool = await SalePool.open(
      2,
      async () => {
        if (n >= 1) await gate;
        return `s${n++}`;
      },
      1,
    );
    const seen = Array.from({ length: 6 }, () => pool.next());
    // s0 twice, then nothing ready: the rest go to the last sale and are counted.
    expect(seen.slice(0, 2)).to.deep.equal(['s0', 's0']);
    expect(pool.overflow).to.equal(4);
    release();
    await pool.settled();
    expect(pool.all.length).to.be.greaterThan(1);
  });

  it('lists no sale before the first request and records a failed creation', async () => {
    let n = 0;
    const pool = await SalePool.open(
      5,
      async () => {
        if (n++ >= 2) throw new Error('no more');
        return `s${n}`;
      },
      2,
    );
    expect(pool.used).to.deep.equal([]);
    pool.next();
    await pool.settled();
    expect(pool.failure).to.be.instanceOf(Error);
    const refused = await SalePool.open(0, async () => 'x').catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(Error).with.property('message').that.matches(/quota/);
  });
});
