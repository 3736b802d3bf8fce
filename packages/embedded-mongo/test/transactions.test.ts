import { expect } from 'chai';
import { Long, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 5 ms for up to `ms`; false if it never held. */
async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(5)) if (check()) return true;
  return check();
}

describe('embedded-mongo: sessions and transactions', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let accounts: Collection<{ _id: string; n: number }>;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
    await database.createCollection('accounts');
    accounts = database.collection('accounts');
  });

  beforeEach(async () => {
    await accounts.deleteMany({});
    await accounts.insertOne({ _id: 'a', n: 0 });
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  it('commits every write of a transaction at once', async () => {
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.insertOne({ _id: 'b', n: 1 }, { session });
        await accounts.updateOne({ _id: 'a' }, { $inc: { n: 5 } }, { session });
      });
    } finally {
      await session.endSession();
    }
    expect(await accounts.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 'a', n: 5 },
      { _id: 'b', n: 1 },
    ]);
  });

  it('discards the writes of an aborted transaction', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.insertOne({ _id: 'gone', n: 1 }, { session });
      await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await accounts.find().toArray()).to.deep.equal([{ _id: 'a', n: 0 }]);
  });

  it('hides uncommitted writes from other readers and shows them to the transaction', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.insertOne({ _id: 'pending', n: 1 }, { session });
      expect(await accounts.findOne({ _id: 'pending' }, { session })).to.deep.equal({ _id: 'pending', n: 1 });
      expect(await accounts.findOne({ _id: 'pending' })).to.equal(null);
      await session.commitTransaction();
      expect(await accounts.findOne({ _id: 'pending' })).to.deep.equal({ _id: 'pending', n: 1 });
    } finally {
      await session.endSession();
    }
  });

  it('reads from a snapshot: a commit after its first read stays invisible, updated and deleted alike', async () => {
    await accounts.insertMany([
      { _id: 'b', n: 1 },
      { _id: 'c', n: 1 },
    ]);
    const session = client.startSession();
    try {
      session.startTransaction();
      expect(await accounts.countDocuments({}, { session })).to.equal(3);
      await accounts.insertOne({ _id: 'late', n: 1 });
      await accounts.updateOne({ _id: 'b' }, { $set: { n: 2 } });
      await accounts.deleteOne({ _id: 'c' });
      const seen = await accounts.find({}, { session }).sort({ _id: 1 }).toArray();
      expect(seen).to.deep.equal([
        { _id: 'a', n: 0 },
        { _id: 'b', n: 1 },
        { _id: 'c', n: 1 },
      ]);
      expect(await accounts.findOne({ n: 2 }, { session })).to.equal(null);
      // Writing a document someone changed after the snapshot is a conflict.
      const err = await accounts
        .updateOne({ _id: 'b' }, { $inc: { n: 1 } }, { session })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 112);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
  });

  it('keeps a collection and an index created in a transaction invisible until the commit', async () => {
    const name = `txnCreated${Date.now()}`;
    const session = client.startSession();
    try {
      session.startTransaction();
      await database.createCollection(name, { session });
      await database.collection(name).createIndex({ k: 1 }, { name: 'k_1', unique: true, session });
      await database.collection(name).insertOne({ _id: 1, k: 1 } as any, { session });
      const outside = await database.listCollections({ name }).toArray();
      expect(outside).to.deep.equal([]);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect((await database.listCollections({ name }).toArray()).map((c) => c.name)).to.deep.equal([name]);
    const indexes = await database.collection(name).indexes();
    expect(indexes.map((ix) => ix.name)).to.deep.equal(['_id_', 'k_1']);
    const dup = await database
      .collection(name)
      .insertOne({ _id: 2, k: 1 } as any)
      .catch((e: unknown) => e);
    expect(dup).to.be.instanceOf(MongoServerError).and.to.have.property('code', 11000);
  });

  it('refuses createIndexes inside a transaction on a collection that already exists (263)', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      const err = await accounts.createIndex({ n: 1 }, { session }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 263);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
  });

  it('answers a repeated commit of a committed transaction with success', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session });
      await session.commitTransaction();
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect((await accounts.findOne({ _id: 'a' }))?.n).to.equal(1);
  });

  it('fails a conflicting write with a transient WriteConflict, and withTransaction retries it', async () => {
    const first = client.startSession();
    const second = client.startSession();
    let firstRuns = 0;
    let secondRuns = 0;
    let secondError: MongoServerError | undefined;
    try {
      let firstWrote!: () => void;
      const wrote = new Promise<void>((r) => (firstWrote = r));
      const a = first.withTransaction(async () => {
        firstRuns++;
        await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session: first });
        firstWrote();
        // Hold the lock until the other transaction has hit the conflict and retried.
        expect(await eventually(() => secondRuns >= 2)).to.equal(true);
      });
      await wrote;
      const b = second.withTransaction(async () => {
        secondRuns++;
        try {
          await accounts.updateOne({ _id: 'a' }, { $inc: { n: 10 } }, { session: second });
        } catch (err) {
          secondError ??= err as MongoServerError;
          throw err;
        }
      });
      await Promise.all([a, b]);
    } finally {
      await first.endSession();
      await second.endSession();
    }
    expect(secondError?.code).to.equal(112);
    expect(secondError?.hasErrorLabel('TransientTransactionError')).to.equal(true);
    expect(firstRuns).to.equal(1);
    expect(secondRuns).to.be.at.least(2);
    expect((await accounts.findOne({ _id: 'a' }))?.n).to.equal(11);
  });

  it('makes a write outside any transaction wait for the transaction that holds the document', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session });
      let outsideDone = false;
      const outside = accounts.updateOne({ _id: 'a' }, { $inc: { n: 100 } }).then(() => (outsideDone = true));
      await sleep(100);
      expect(outsideDone).to.equal(false);
      await session.commitTransaction();
      await outside;
    } finally {
      await session.endSession();
    }
    expect((await accounts.findOne({ _id: 'a' }))?.n).to.equal(101);
  });

  it('aborts the transaction after a failed statement: the next one gets NoSuchTransaction (251)', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.insertOne({ _id: 'x', n: 1 }, { session });
      const dup = await accounts.insertOne({ _id: 'x', n: 2 }, { session }).catch((e: unknown) => e);
      expect((dup as MongoServerError).code).to.equal(11000);
      expect((dup as MongoServerError).hasErrorLabel('TransientTransactionError')).to.equal(false);
      const next = await accounts.insertOne({ _id: 'y', n: 1 }, { session }).catch((e: unknown) => e);
      expect((next as MongoServerError).code).to.equal(251);
      expect((next as MongoServerError).hasErrorLabel('TransientTransactionError')).to.equal(true);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await accounts.countDocuments({ _id: { $in: ['x', 'y'] } })).to.equal(0);
  });

  it('does not run a retried write twice (same lsid and txnNumber)', async () => {
    // A client of its own: the txnNumbers set here by hand must not leak into pooled sessions of others.
    const own = await new MongoClient(db.uri).connect();
    const session = own.startSession();
    try {
      const target = own.db(db.dbName);
      const cmd = { insert: 'accounts', documents: [{ _id: 'once', n: 1 }], txnNumber: Long.fromNumber(7) };
      const firstReply = await target.command(cmd, { session });
      const retryReply = await target.command(cmd, { session });
      expect(firstReply.n).to.equal(1);
      expect(retryReply.n).to.equal(1);
      expect(retryReply.writeErrors).to.equal(undefined);
      const older = await target
        .command({ ...cmd, documents: [{ _id: 'older', n: 1 }], txnNumber: Long.fromNumber(6) }, { session })
        .catch((e: unknown) => e);
      expect((older as MongoServerError).code).to.equal(225);
    } finally {
      await session.endSession();
      await own.close();
    }
    expect(await accounts.countDocuments({ _id: { $in: ['once', 'older'] } })).to.equal(1);
  });

  it('aborts a transaction that outlives transactionLifetimeLimitSeconds', async function () {
    if (!db.faults) this.skip(); // a real server reaps expired transactions on its own schedule
    this.timeout(10_000);
    const admin = client.db('admin');
    const { was } = await admin.command({ setParameter: 1, transactionLifetimeLimitSeconds: 1 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session });
      await sleep(1300);
      const late = await accounts
        .updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session })
        .catch((e: unknown) => e);
      expect((late as MongoServerError).code).to.equal(251);
      expect((late as MongoServerError).hasErrorLabel('TransientTransactionError')).to.equal(true);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
      await admin.command({ setParameter: 1, transactionLifetimeLimitSeconds: was });
    }
    // The lock is gone with the transaction: a plain write goes through at once.
    await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { maxTimeMS: 500 });
    expect((await accounts.findOne({ _id: 'a' }))?.n).to.equal(1);
  });

  it('aborts the transaction of a session that ends', async function () {
    if (!db.faults) this.skip(); // when a real server reaps an ended session is not specified
    const session = client.startSession();
    session.startTransaction();
    await accounts.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session });
    await client.db('admin').command({ endSessions: [session.id] });
    // Without the abort, this write would wait for the transaction's lifetime.
    await accounts.updateOne({ _id: 'a' }, { $inc: { n: 10 } }, { maxTimeMS: 1000 });
    await session.abortTransaction().catch(() => undefined);
    await session.endSession();
    expect((await accounts.findOne({ _id: 'a' }))?.n).to.equal(10);
  });

  it('refuses commands that MongoDB does not allow in a transaction (263)', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      const err = await database.command({ count: 'accounts' }, { session }).catch((e: unknown) => e);
      expect((err as MongoServerError).code).to.equal(263);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
  });
});
