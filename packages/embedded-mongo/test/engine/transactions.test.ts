import { expect } from 'chai';
import { MAX_KEPT_VERSIONS } from '../../src/engine/store';
import { RetryWhenUnlocked } from '../../src/engine';
import { MongoError } from '../../src/errors';
import { expectCode, setup, writeErrorCode } from './helpers';

describe('engine: transactions', () => {
  describe('isolation', () => {
    it('sees its own writes; others see nothing until commit, then everything at once', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, n: 0 }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, txn);
      t.insert('c', [{ _id: 2, n: 0 }], txn);
      expect(t.find('c', {}, { sort: { _id: 1 } }, txn)).to.deep.equal([
        { _id: 1, n: 1 },
        { _id: 2, n: 0 },
      ]);
      expect(t.find('c', {}, { sort: { _id: 1 } })).to.deep.equal([{ _id: 1, n: 0 }]);
      expect(t.run({ count: 'c' }, txn).n).to.equal(2);
      expect(t.engine.findById('test', 'c', 1)).to.deep.equal({ _id: 1, n: 0 });
      t.engine.commitTransaction(txn);
      expect(t.engine.isActive(txn)).to.equal(false);
      expect(t.find('c', {}, { sort: { _id: 1 } })).to.deep.equal([
        { _id: 1, n: 1 },
        { _id: 2, n: 0 },
      ]);
    });

    it('hides deletes until commit and reads through indexes with its writes merged', () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { k: 1, p: 1 } }] });
      t.insert('c', [
        { _id: 1, k: 1, p: 1 },
        { _id: 2, k: 1, p: 2 },
        { _id: 3, k: 1, p: 3 },
      ]);
      const txn = t.engine.beginTransaction();
      t.run({ delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] }, txn);
      t.update('c', { _id: 3 }, { $set: { p: 0 } }, {}, txn);
      t.insert('c', [{ _id: 4, k: 1, p: 5 }], txn);
      const page = (txnArg?: typeof txn) =>
        t.find('c', { k: 1 }, { sort: { p: 1 }, limit: 2 }, txnArg).map((d) => d._id);
      expect(page(txn)).to.deep.equal([3, 2]);
      expect(page()).to.deep.equal([1, 2]);
      t.engine.abortTransaction(txn);
      expect(page()).to.deep.equal([1, 2]);
      expect(t.find('c')).to.have.length(3);
    });

    it('discards everything on abort', () => {
      const t = setup();
      const txn = t.engine.beginTransaction();
      t.insert('c', [{ _id: 1 }], txn);
      t.engine.abortTransaction(txn);
      expect(t.find('c')).to.deep.equal([]);
      expect(t.engine.oplog.lastSeq).to.equal(0);
    });
  });

  describe('write conflicts', () => {
    it('fails the second transaction writing the same document with WriteConflict (112, TransientTransactionError) and aborts it', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, n: 0 }]);
      const a = t.engine.beginTransaction();
      const b = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, a);
      const e = expectCode(() => t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, b), 112);
      expect(e.errorLabels).to.deep.equal(['TransientTransactionError']);
      expect(t.engine.isActive(b)).to.equal(false);
      expectCode(() => t.find('c', {}, {}, b) && t.insert('c', [{ _id: 9 }], b), 251);
      t.engine.commitTransaction(a);
      expect(t.find('c')).to.deep.equal([{ _id: 1, n: 1 }]);
    });

    it('fails a transaction writing a document committed after it began', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, n: 0 }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $inc: { n: 5 } });
      expectCode(() => t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, txn), 112);
      expect(t.find('c')).to.deep.equal([{ _id: 1, n: 5 }]);
    });

    it('makes a non-transactional write to a locked document wait (RetryWhenUnlocked) until the transaction ends', async () => {
      const t = setup();
      t.insert('c', [{ _id: 1, n: 0 }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, txn);
      let retry: RetryWhenUnlocked | undefined;
      try {
        t.update('c', { _id: 1 }, { $inc: { n: 10 } });
      } catch (e) {
        retry = e as RetryWhenUnlocked;
      }
      expect(retry).to.be.instanceOf(RetryWhenUnlocked);
      let released = false;
      void retry!.wait.then(() => (released = true));
      await Promise.resolve();
      expect(released).to.equal(false);
      t.engine.commitTransaction(txn);
      await retry!.wait;
      t.update('c', { _id: 1 }, { $inc: { n: 10 } });
      expect(t.find('c')).to.deep.equal([{ _id: 1, n: 11 }]);
    });

    it('turns a lock met after an earlier statement wrote into a write error instead of a retry', () => {
      const t = setup();
      t.insert('c', [{ _id: 1 }, { _id: 2 }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 2 }, { $set: { x: 1 } }, {}, txn);
      const r = t.run({
        update: 'c',
        updates: [
          { q: { _id: 1 }, u: { $set: { y: 1 } } },
          { q: { _id: 2 }, u: { $set: { y: 1 } } },
        ],
      });
      expect(r.n).to.equal(1);
      expect(writeErrorCode(r)).to.equal(112);
    });
  });

  describe('unique indexes across transactions', () => {
    it('checks against committed state plus its own writes', () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { email: 1 }, unique: true }] });
      t.insert('c', [{ _id: 1, email: 'a' }]);
      const txn = t.engine.beginTransaction();
      t.insert('c', [{ _id: 2, email: 'b' }], txn);
      expect(writeErrorCode(t.insert('c', [{ _id: 3, email: 'b' }], txn))).to.equal(11000);
      expect(t.engine.isActive(txn)).to.equal(false);
    });

    it('lets a transaction free a key and reuse it', () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { email: 1 }, unique: true }] });
      t.insert('c', [{ _id: 1, email: 'a' }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $set: { email: 'old-a' } }, {}, txn);
      t.insert('c', [{ _id: 2, email: 'a' }], txn);
      t.engine.commitTransaction(txn);
      expect(t.find('c', {}, { sort: { _id: 1 } }).map((d) => d.email)).to.deep.equal(['old-a', 'a']);
    });

    it('makes a plain writer wait for a key a transaction is moving away, then succeed', async () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { email: 1 }, unique: true }] });
      t.insert('c', [{ _id: 1, email: 'a' }]);
      const txn = t.engine.beginTransaction();
      t.update('c', { _id: 1 }, { $set: { email: 'b' } }, {}, txn);
      let retry: RetryWhenUnlocked | undefined;
      try {
        t.insert('c', [{ _id: 2, email: 'a' }]);
      } catch (e) {
        retry = e as RetryWhenUnlocked;
      }
      expect(retry).to.be.instanceOf(RetryWhenUnlocked);
      t.engine.commitTransaction(txn);
      await retry!.wait;
      expect(t.insert('c', [{ _id: 2, email: 'a' }]).n).to.equal(1);
    });

    it('conflicts when two transactions insert the same unique key, and makes plain writers wait for it', () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { email: 1 }, unique: true }] });
      const a = t.engine.beginTransaction();
      const b = t.engine.beginTransaction();
      t.insert('c', [{ _id: 1, email: 'x' }], a);
      expectCode(() => t.insert('c', [{ _id: 2, email: 'x' }], b), 112);
      expect(() => t.insert('c', [{ _id: 3, email: 'x' }])).to.throw(RetryWhenUnlocked);
      t.engine.commitTransaction(a);
      expect(writeErrorCode(t.insert('c', [{ _id: 3, email: 'x' }]))).to.equal(11000);
    });
  });

  it('commits atomically: every entry in order, one cluster time, with lsid and txnNumber', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, n: 0 }]);
    const before = t.engine.oplog.lastSeq;
    const txn = t.engine.beginTransaction();
    t.update('c', { _id: 1 }, { $inc: { n: 1 } }, {}, txn);
    t.insert('d', [{ _id: 'x' }], txn);
    t.run({ delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] }, txn);
    expect(t.engine.oplog.lastSeq).to.equal(before);
    t.engine.commitTransaction(txn, { lsid: { id: 'session' }, txnNumber: 3 });
    const entries = t.engine.oplog.since(before, 10);
    // 'd' is created by the transaction: its create commits with it.
    expect(entries.map((e) => e.op)).to.deep.equal(['update', 'create', 'insert', 'delete']);
    expect(new Set(entries.map((e) => String(e.ts))).size).to.equal(1);
    expect(entries.every((e) => e.txnNumber === 3 && e.lsid?.id === 'session')).to.equal(true);
    expect(t.find('c')).to.deep.equal([]);
    expect(t.find('d')).to.deep.equal([{ _id: 'x' }]);
  });

  it('reads the snapshot of its start: later commits stay invisible until it ends', () => {
    const t = setup();
    t.insert('c', [
      { _id: 1, n: 1 },
      { _id: 2, n: 1 },
    ]);
    const txn = t.engine.beginTransaction();
    t.update('c', { _id: 1 }, { $set: { n: 2 } });
    t.run({ delete: 'c', deletes: [{ q: { _id: 2 }, limit: 1 }] });
    t.insert('c', [{ _id: 3, n: 1 }]);
    expect(t.find('c', {}, {}, txn)).to.deep.equal([
      { _id: 1, n: 1 },
      { _id: 2, n: 1 },
    ]);
    expect(t.find('c', { n: 1 }, { sort: { _id: -1 } }, txn).map((d) => d._id)).to.deep.equal([2, 1]);
    expect(t.run({ count: 'c' }, txn).n).to.equal(2);
    t.engine.abortTransaction(txn);
    expect(t.find('c')).to.deep.equal([
      { _id: 1, n: 2 },
      { _id: 3, n: 1 },
    ]);
  });

  it('aborts the oldest open transaction rather than keep more than MAX_KEPT_VERSIONS old versions', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, n: 0 }]);
    const old = t.engine.beginTransaction();
    t.find('c', {}, {}, old);
    for (let i = 0; i < MAX_KEPT_VERSIONS + 1; i++) t.update('c', { _id: 1 }, { $inc: { n: 1 } });
    expect(t.engine.isActive(old)).to.equal(false);
    const fresh = t.engine.beginTransaction();
    expect(t.find('c', {}, {}, fresh)).to.deep.equal([{ _id: 1, n: MAX_KEPT_VERSIONS + 1 }]);
    t.engine.abortTransaction(fresh);
  });

  it('answers NoSuchTransaction (251) for work in an aborted transaction', () => {
    const t = setup();
    const txn = t.engine.beginTransaction();
    t.engine.abortTransaction(txn);
    const e = expectCode(() => t.engine.commitTransaction(txn), 251);
    expect(e).to.be.instanceOf(MongoError);
    expect(e.errorLabels).to.include('TransientTransactionError');
  });
});
