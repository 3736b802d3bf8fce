import { expect } from 'chai';
import { calculateObjectSize } from 'bson';
import { setup } from './helpers';

describe('engine: memory accounting of nested operator updates', () => {
  /** The engine's count must equal the BSON size of what is stored, measured from scratch. */
  function expectExact(t: ReturnType<typeof setup>): void {
    const stored = t.find('c').reduce((n, d) => n + calculateObjectSize(d), 0);
    expect(t.engine.memoryUsage()).to.equal(stored);
  }

  it('stays exact through nested $inc / $set / $unset / $push / $rename that create, grow and remove paths', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, buyers: {}, pending: {}, seq: [], arr: [{ x: 1 }], n: 1 }]);
    const updates: Record<string, unknown>[] = [
      { $inc: { 'buyers.u1.q': 1, n: 1 } },
      { $inc: { 'buyers.u1.q': 1e10 } },
      { $inc: { 'buyers.u2.q': 1, 'buyers.u2.r': 2 } },
      { $set: { 'pending.p1': { round: 1, at: new Date(0), name: 'é' } }, $push: { seq: 'p1' } },
      { $set: { 'pending.p1.name': 'a much longer name than before' } },
      { $set: { 'deep.a.b.c': 'new', 'deep.a.z': 1 } },
      { $unset: { 'buyers.u1': '', 'deep.a.b': '' } },
      { $set: { 'arr.0.x': 'string now', 'arr.3': { y: 2 } } },
      { $rename: { 'buyers.u2.r': 'buyers.u3.s' } },
      { $set: { buyers: 5 } },
      { $set: { 'n2.k': {} }, $unset: { pending: '' } },
      { $set: { pending: {}, seq: [] } },
    ];
    for (const u of updates) {
      t.update('c', { _id: 1 }, u);
      expectExact(t);
    }
  });

  it('stays exact for pipeline updates (fields whose names contain dots)', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, a: { b: 1 } }]);
    t.update('c', { _id: 1 }, [
      { $replaceWith: { $setField: { field: 'a.b', input: '$$ROOT', value: 'a long string value' } } },
    ]);
    expectExact(t);
  });
});
