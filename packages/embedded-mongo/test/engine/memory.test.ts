import { expect } from 'chai';
import v8 from 'node:v8';
import { Engine } from '../../src/engine';
import { HEAP_PER_BSON_BYTE, defaultMaxMemoryBytes } from '../../src/engine/memory-bound';
import { calculateObjectSize } from 'bson';
import { expectCode, setup, writeErrorCode } from './helpers';

describe('engine: memory bound', () => {
  const doc = (i: number) => ({ _id: i, pad: 'x'.repeat(1000) });
  const size = calculateObjectSize(doc(0));

  it('counts the BSON bytes of the stored documents', () => {
    const t = setup();
    t.insert('c', [doc(1), doc(2)]);
    expect(t.engine.memoryUsage()).to.equal(2 * size);
    t.update('c', { _id: 1 }, { $set: { pad: '' } });
    expect(t.engine.memoryUsage()).to.equal(size + calculateObjectSize({ _id: 1, pad: '' }));
  });

  it('fails writes past maxMemoryBytes with 146, keeps reads working, and frees memory on delete and drop', () => {
    const t = setup({ maxMemoryBytes: size * 3 });
    expect(t.insert('c', [doc(1), doc(2), doc(3)]).n).to.equal(3);
    const r = t.insert('c', [doc(4)]);
    expect(writeErrorCode(r)).to.equal(146);
    expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { more: 'y'.repeat(100) } }))).to.equal(146);
    expectCode(
      () => t.run({ findAndModify: 'c', query: { _id: 1 }, update: { $set: { more: 'y'.repeat(100) } } }),
      146,
    );
    expect(t.find('c')).to.have.length(3);
    t.run({ delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] });
    expect(t.insert('c', [doc(4)]).n).to.equal(1);
    t.run({ drop: 'c' });
    expect(t.engine.memoryUsage()).to.equal(0);
    expect(t.insert('c', [doc(5), doc(6), doc(7)]).n).to.equal(3);
  });

  it('bounds a transaction at write time and at commit', () => {
    const t = setup({ maxMemoryBytes: size * 2 });
    const txn = t.engine.beginTransaction();
    t.insert('c', [doc(1), doc(2)], txn);
    expect(writeErrorCode(t.insert('c', [doc(3)], txn))).to.equal(146);
    const other = t.engine.beginTransaction();
    t.insert('c', [doc(10), doc(11)], other);
    t.insert('c', [doc(20)]);
    expectCode(() => t.engine.commitTransaction(other), 146);
    expect(t.find('c').map((d) => d._id)).to.deep.equal([20]);
  });

  it('defaults the bound to half the heap limit in BSON bytes, at the measured heap cost per BSON byte', () => {
    const limit = v8.getHeapStatistics().heap_size_limit;
    expect(new Engine().maxMemoryBytes).to.equal(defaultMaxMemoryBytes());
    expect(defaultMaxMemoryBytes()).to.equal(Math.floor(limit / 2 / HEAP_PER_BSON_BYTE));
    // Stored data at that bound stays well below the heap limit.
    expect(defaultMaxMemoryBytes() * HEAP_PER_BSON_BYTE).to.be.at.most(limit / 2);
  });
});
