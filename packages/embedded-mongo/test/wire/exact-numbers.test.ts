import { expect } from 'chai';
import { Binary, Code, DBRef, Double, Long, ObjectId, Timestamp, deserialize, serialize } from 'bson';
import { keepIntegralDoubles, promoteTopLevelLongs } from '../../src/wire/exact-numbers';

/** Decodes as the wire layer does: a command body (top level promoted) or a data document. */
function decode(doc: unknown, isCommand: boolean): Record<string, any> {
  const bytes = Buffer.from(serialize(doc as never));
  const out = deserialize(bytes, { promoteLongs: false });
  keepIntegralDoubles(bytes, 0, out, isCommand);
  if (isCommand) promoteTopLevelLongs(out);
  return out;
}

describe('wire: exact numbers of decoded commands', () => {
  it('keeps integral int32-range doubles as Double and int64 as Long, leaving other numbers plain', () => {
    const d = decode(
      {
        a: new Double(5),
        b: 5,
        c: 5.5,
        d: -0,
        e: new Double(1e10),
        f: Long.fromNumber(5),
        g: [new Double(2), 3],
      },
      false,
    );
    expect(d.a).to.be.instanceOf(Double);
    expect(d.b).to.equal(5);
    expect(d.c).to.equal(5.5);
    expect(Object.is(d.d, -0)).to.equal(true);
    expect(d.e).to.equal(1e10);
    expect(d.f).to.be.instanceOf(Long);
    expect(d.g[0]).to.be.instanceOf(Double);
    expect(d.g[1]).to.equal(3);
  });

  it('keeps a command top level as JS numbers and its sub-documents typed', () => {
    const d = decode(
      {
        find: 'c',
        limit: new Double(2),
        txnNumber: Long.fromNumber(7),
        big: Long.MAX_VALUE,
        filter: { a: new Double(2) },
      },
      true,
    );
    expect(d.limit).to.equal(2);
    expect(d.txnNumber).to.equal(7);
    expect(d.big).to.be.instanceOf(Long);
    expect(d.filter.a).to.be.instanceOf(Double);
  });

  it('finds the field by its name when JS reorders integer-like keys, and with non-ASCII names', () => {
    // A Map keeps its order on the wire: "b" before "1", which a decoded JS object lists first.
    const sub = new Map<string, unknown>([
      ['b', new Double(1)],
      ['1', 2.5],
      ['é', new Double(3)],
      ['0', 4],
    ]);
    const d = decode(new Map<string, unknown>([['sub', sub]]), false);
    expect(Object.keys(d.sub)).to.deep.equal(['0', '1', 'b', 'é']);
    expect(d.sub.b).to.be.instanceOf(Double);
    expect(d.sub['1']).to.equal(2.5);
    expect(d.sub['é']).to.be.instanceOf(Double);
    expect(d.sub['0']).to.equal(4);
  });

  it('skips every other BSON type correctly and leaves DBRefs alone', () => {
    const d = decode(
      {
        s: 'x',
        o: new ObjectId(),
        t: new Timestamp({ t: 1, i: 2 }),
        bin: new Binary(Buffer.from([1, 1, 1])),
        r: /a/i,
        code: new Code('x', { y: 1 }),
        ref: new DBRef('c', new ObjectId()),
        n: null,
        bool: true,
        date: new Date(0),
        last: new Double(9),
      },
      false,
    );
    expect(d.last).to.be.instanceOf(Double);
    expect(d.ref).to.be.instanceOf(DBRef);
  });
});
