import { expect } from 'chai';
import { Timestamp } from 'bson';
import { setup } from './helpers';

describe('engine: oplog', () => {
  it('logs the implicit creation of a collection before its first document', () => {
    const t = setup();
    t.insert('c', [{ _id: 1 }]);
    const [create, insert] = t.engine.oplog.since(0, 10);
    expect(create).to.deep.include({ seq: 1, op: 'create', ns: { db: 'test', coll: 'c' } });
    expect(create.operationDescription).to.deep.equal({ idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } });
    expect(insert).to.deep.include({ seq: 2, op: 'insert' });
    expect(String(insert.uuid)).to.equal(String(create.uuid));
  });

  it('appends one entry per committed write with what change streams need', () => {
    const t = setup();
    t.run({ create: 'c' });
    t.insert('c', [{ _id: 1, a: 1, n: { x: 1 }, gone: true }]);
    t.update('c', { _id: 1 }, { $inc: { a: 1 }, $set: { 'n.y': 2 }, $unset: { gone: '' } });
    t.update('c', { _id: 1 }, { b: 1 });
    t.run({ delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] });
    const [ins, upd, rep, del] = t.engine.oplog.since(1, 10);
    expect(ins).to.deep.include({
      seq: 2,
      op: 'insert',
      ns: { db: 'test', coll: 'c' },
      documentKey: { _id: 1 },
    });
    expect(ins.fullDocument).to.deep.equal({ _id: 1, a: 1, n: { x: 1 }, gone: true });
    expect(upd.op).to.equal('update');
    expect(upd.updateDescription).to.deep.equal({
      updatedFields: { a: 2, 'n.y': 2 },
      removedFields: ['gone'],
      truncatedArrays: [],
    });
    // No post-image: a hot document's versions would otherwise stay pinned by the oplog.
    expect(upd.fullDocument).to.equal(undefined);
    expect(rep).to.deep.include({ op: 'replace', fullDocument: { _id: 1, b: 1 } });
    expect(del).to.deep.include({ op: 'delete', documentKey: { _id: 1 } });
    expect(del.fullDocument).to.equal(undefined);
  });

  it('records no entry for a no-op update', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, a: 1 }]);
    const seq = t.engine.oplog.lastSeq;
    t.update('c', { _id: 1 }, { $set: { a: 1 } });
    expect(t.engine.oplog.lastSeq).to.equal(seq);
  });

  it('logs drop and dropDatabase', () => {
    const t = setup();
    t.insert('c', [{ _id: 1 }]);
    t.insert('d', [{ _id: 1 }]);
    const seq = t.engine.oplog.lastSeq;
    t.run({ drop: 'c' });
    t.run({ dropDatabase: 1 });
    expect(t.engine.oplog.since(seq, 10).map((e) => [e.op, e.ns])).to.deep.equal([
      ['drop', { db: 'test', coll: 'c' }],
      ['drop', { db: 'test', coll: 'd' }],
      ['dropDatabase', { db: 'test' }],
    ]);
  });

  it('gives strictly increasing cluster times and reports it as currentTime', () => {
    const t = setup();
    for (let i = 0; i < 5; i++) t.insert('c', [{ _id: i }]);
    const ts = t.engine.oplog.since(0, 10).map((e) => e.ts);
    expect(ts).to.have.length(6); // create, then 5 inserts
    for (let i = 1; i < ts.length; i++) expect(ts[i].compare(ts[i - 1])).to.equal(1);
    expect(t.engine.oplog.currentTime()).to.be.instanceOf(Timestamp);
    expect(t.engine.oplog.currentTime().equals(ts[5])).to.equal(true);
  });

  it('keeps only oplogSize entries and tells when a resume point was lost', () => {
    const t = setup({ oplogSize: 3 });
    for (let i = 0; i < 5; i++) t.insert('c', [{ _id: i }]); // seq 1 is the collection's create
    expect(t.engine.oplog.firstSeq).to.equal(4);
    expect(t.engine.oplog.lastSeq).to.equal(6);
    expect(t.engine.oplog.isLost(2)).to.equal(true);
    expect(t.engine.oplog.isLost(3)).to.equal(false);
    expect(t.engine.oplog.since(0, 10).map((e) => e.seq)).to.deep.equal([4, 5, 6]);
    expect(t.engine.oplog.since(4, 1).map((e) => e.seq)).to.deep.equal([5]);
  });

  it('notifies listeners after each commit, until unsubscribed, and hands out copies', () => {
    const t = setup();
    let calls = 0;
    t.run({ create: 'c' });
    const off = t.engine.oplog.onAppend(() => calls++);
    t.insert('c', [{ _id: 1, a: { b: 1 } }]);
    const [e] = t.engine.oplog.since(1, 1);
    e.fullDocument!.a.b = 99;
    expect(t.engine.oplog.since(1, 1)[0].fullDocument).to.deep.equal({ _id: 1, a: { b: 1 } });
    off();
    t.insert('c', [{ _id: 2 }]);
    expect(calls).to.equal(1);
  });
});
