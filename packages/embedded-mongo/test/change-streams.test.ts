import { expect } from 'chai';
import {
  MongoClient,
  MongoServerError,
  type ChangeStream,
  type ChangeStreamDocument,
  type Collection,
  type Db,
  type ResumeToken,
} from 'mongodb';
import { start } from '../src';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Item = { _id: number; name?: string; qty?: number; tag?: string };

/** Next event, with a bound so a missing event fails the test instead of hanging it. */
async function nextEvent(stream: ChangeStream<any, any>, ms = 5000): Promise<ChangeStreamDocument<any>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no change event within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([stream.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls for events every 100 ms rather than the default 1 s, so opening a stream is quick. */
const QUICK = { maxAwaitTimeMS: 100 };

/** Opens a stream and waits until its cursor exists on the server, so no later write is missed. */
async function opened<T extends ChangeStream<any, any>>(stream: T): Promise<T> {
  await stream.tryNext();
  return stream;
}

describe('embedded-mongo: change streams', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let counter = 0;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  /** A fresh collection per test, so streams see only that test's writes. */
  async function freshCollection(): Promise<Collection<Item>> {
    const coll = database.collection<Item>(`items${++counter}`);
    await database.createCollection(coll.collectionName);
    return coll;
  }

  it('reports insert, update, replace and delete with their fields', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    try {
      await items.insertOne({ _id: 1, name: 'pen', qty: 5, tag: 'x' });
      await items.updateOne({ _id: 1 }, { $set: { qty: 4 }, $unset: { tag: '' } });
      await items.replaceOne({ _id: 1 }, { name: 'pencil' });
      await items.deleteOne({ _id: 1 });

      const insert = await nextEvent(stream);
      expect(insert).to.include({ operationType: 'insert' });
      expect(insert._id).to.have.property('_data');
      expect((insert as any).ns).to.deep.equal({ db: db.dbName, coll: items.collectionName });
      expect((insert as any).documentKey).to.deep.equal({ _id: 1 });
      expect((insert as any).fullDocument).to.deep.equal({ _id: 1, name: 'pen', qty: 5, tag: 'x' });
      expect((insert as any).clusterTime?._bsontype).to.equal('Timestamp');
      expect((insert as any).wallTime).to.be.instanceOf(Date);

      const update = (await nextEvent(stream)) as any;
      expect(update.operationType).to.equal('update');
      expect(update.updateDescription.updatedFields).to.deep.equal({ qty: 4 });
      expect(update.updateDescription.removedFields).to.deep.equal(['tag']);
      expect(update).to.not.have.property('fullDocument');

      const replace = (await nextEvent(stream)) as any;
      expect(replace.operationType).to.equal('replace');
      expect(replace.fullDocument).to.deep.equal({ _id: 1, name: 'pencil' });

      const del = (await nextEvent(stream)) as any;
      expect(del.operationType).to.equal('delete');
      expect(del.documentKey).to.deep.equal({ _id: 1 });
    } finally {
      await stream.close();
    }
  });

  it('looks up the current document for updates with fullDocument: updateLookup (null once deleted)', async () => {
    const items = await freshCollection();
    await items.insertMany([
      { _id: 1, qty: 1 },
      { _id: 2, qty: 1 },
    ]);
    const stream = await opened(items.watch([], { ...QUICK, fullDocument: 'updateLookup' }));
    try {
      await items.updateOne({ _id: 1 }, { $inc: { qty: 1 } });
      expect(((await nextEvent(stream)) as any).fullDocument).to.deep.equal({ _id: 1, qty: 2 });
      await items.updateOne({ _id: 2 }, { $inc: { qty: 1 } });
      await items.deleteOne({ _id: 2 });
      const update = (await nextEvent(stream)) as any;
      expect(update.operationType).to.equal('update');
      expect(update.fullDocument).to.equal(null);
    } finally {
      await stream.close();
    }
  });

  it('reports a drop, then invalidate, then closes the stream', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    await items.insertOne({ _id: 1 });
    await items.drop();
    expect((await nextEvent(stream)).operationType).to.equal('insert');
    const drop = (await nextEvent(stream)) as any;
    expect(drop.operationType).to.equal('drop');
    expect(drop.ns).to.deep.equal({ db: db.dbName, coll: items.collectionName });
    expect((await nextEvent(stream)).operationType).to.equal('invalidate');
    const after = await stream.next().catch((e: unknown) => e);
    expect(after).to.be.instanceOf(Error);
    expect(stream.closed).to.equal(true);
  });

  it('filters and reshapes events with the stages after $changeStream', async () => {
    const items = await freshCollection();
    const stream = await opened(
      items.watch(
        [
          { $match: { operationType: 'insert', 'fullDocument.qty': { $gte: 10 } } },
          { $project: { 'fullDocument.name': 1, operationType: 1 } },
        ],
        QUICK,
      ),
    );
    try {
      await items.insertOne({ _id: 1, name: 'small', qty: 1 });
      await items.insertOne({ _id: 2, name: 'big', qty: 10 });
      const event = (await nextEvent(stream)) as any;
      expect(event.operationType).to.equal('insert');
      expect(event.fullDocument).to.deep.equal({ name: 'big' }); // only a top-level _id is kept by default
      expect(event).to.not.have.property('ns');
    } finally {
      await stream.close();
    }
  });

  it("changes nothing stored or seen by other streams when a stream's stages reshape its events", async () => {
    const items = await freshCollection();
    const reshaping = await opened(
      items.watch(
        [
          { $set: { 'fullDocument.qty': -1, 'updateDescription.updatedFields.qty': -1, 'documentKey.x': 1 } },
          { $set: { wallTime: { $literal: 'gone' } } },
        ],
        { ...QUICK, fullDocument: 'updateLookup' },
      ),
    );
    const plain = await opened(items.watch([], QUICK));
    try {
      await items.insertOne({ _id: 1, qty: 5 });
      await items.updateOne({ _id: 1 }, { $set: { qty: 6 } });
      const reshaped = [(await nextEvent(reshaping)) as any, (await nextEvent(reshaping)) as any];
      expect(reshaped.map((e) => e.fullDocument.qty)).to.deep.equal([-1, -1]);
      const seen = [(await nextEvent(plain)) as any, (await nextEvent(plain)) as any];
      expect(seen[0].fullDocument).to.deep.equal({ _id: 1, qty: 5 });
      expect(seen[0].documentKey).to.deep.equal({ _id: 1 });
      expect(seen[1].updateDescription.updatedFields).to.deep.equal({ qty: 6 });
      expect(seen.map((e) => e.wallTime instanceof Date)).to.deep.equal([true, true]);
      expect(await items.findOne({ _id: 1 })).to.deep.equal({ _id: 1, qty: 6 });
    } finally {
      await reshaping.close();
      await plain.close();
    }
  });

  it('fails the stream (280) when the pipeline removes the resume token', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([{ $project: { _id: 0 } }], QUICK));
    try {
      await items.insertOne({ _id: 1 });
      const err = await nextEvent(stream).catch((e: unknown) => e);
      expect((err as MongoServerError).code).to.equal(280);
    } finally {
      await stream.close();
    }
  });

  it('refuses an unknown stage (40324)', async () => {
    const items = await freshCollection();
    const err = await items
      .aggregate([{ $changeStream: {} }, { $unsupported: 'foo' }])
      .toArray()
      .catch((e: unknown) => e);
    expect((err as MongoServerError).code).to.equal(40324);
  });

  it('watches every collection of a database', async () => {
    const first = await freshCollection();
    const second = await freshCollection();
    const stream = await opened(database.watch([], QUICK));
    try {
      await first.insertOne({ _id: 1 });
      await second.insertOne({ _id: 2 });
      const seen = [(await nextEvent(stream)) as any, (await nextEvent(stream)) as any];
      expect(seen.map((e) => e.ns.coll)).to.deep.equal([first.collectionName, second.collectionName]);
    } finally {
      await stream.close();
    }
  });

  it('watches the whole cluster', async () => {
    const items = await freshCollection();
    const stream = await opened(client.watch([{ $match: { 'ns.db': db.dbName } }], QUICK));
    try {
      await items.insertOne({ _id: 7 });
      const event = (await nextEvent(stream)) as any;
      expect(event.ns).to.deep.equal({ db: db.dbName, coll: items.collectionName });
      expect(event.documentKey).to.deep.equal({ _id: 7 });
    } finally {
      await stream.close();
    }
  });

  it('delivers only committed transaction writes, together, in commit order', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    const session = client.startSession();
    try {
      session.startTransaction();
      await items.insertOne({ _id: 1 }, { session });
      await items.insertOne({ _id: 2 }, { session });
      await items.insertOne({ _id: 3 }); // outside: commits first
      await session.commitTransaction();
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(((await nextEvent(stream)) as any).documentKey._id);
      expect(ids).to.deep.equal([3, 1, 2]);
      session.startTransaction();
      await items.insertOne({ _id: 4 }, { session });
      await session.abortTransaction();
      await items.insertOne({ _id: 5 });
      expect(((await nextEvent(stream)) as any).documentKey._id).to.equal(5);
    } finally {
      await session.endSession();
      await stream.close();
    }
  });

  it('resumes after a given token, and from an operation time', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    let token: ResumeToken;
    let firstTime: unknown;
    try {
      await items.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      const first = (await nextEvent(stream)) as any;
      token = first._id;
      firstTime = first.clusterTime;
    } finally {
      await stream.close();
    }
    const resumed = items.watch([], { resumeAfter: token });
    try {
      expect(((await nextEvent(resumed)) as any).documentKey._id).to.equal(2);
      expect(((await nextEvent(resumed)) as any).documentKey._id).to.equal(3);
    } finally {
      await resumed.close();
    }
    const fromTime = items.watch([], { startAtOperationTime: firstTime as any });
    try {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(((await nextEvent(fromTime)) as any).documentKey._id);
      expect(ids).to.deep.equal([1, 2, 3]);
    } finally {
      await fromTime.close();
    }
  });

  it('refuses two resume options at once', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    await items.insertOne({ _id: 1 });
    const event = (await nextEvent(stream)) as any;
    await stream.close();
    const err = await items
      .aggregate([{ $changeStream: { resumeAfter: event._id, startAtOperationTime: event.clusterTime } }])
      .toArray()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError);
  });

  it('waits for events on getMore instead of answering at once', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], { maxAwaitTimeMS: 300 }));
    try {
      const began = Date.now();
      expect(await stream.tryNext()).to.equal(null);
      expect(Date.now() - began).to.be.at.least(250);
      // A write from another connection wakes a waiting getMore early.
      setTimeout(() => void items.insertOne({ _id: 1 }), 50);
      const event = await nextEvent(stream);
      expect(event.operationType).to.equal('insert');
    } finally {
      await stream.close();
    }
  });

  it('hands out events in batches of batchSize, in order, losing none', async () => {
    const items = await freshCollection();
    const stream = await opened(items.watch([], { ...QUICK, batchSize: 2 }));
    try {
      await items.insertMany([1, 2, 3, 4, 5].map((i) => ({ _id: i })));
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(((await nextEvent(stream)) as any).documentKey._id);
      expect(ids).to.deep.equal([1, 2, 3, 4, 5]);
    } finally {
      await stream.close();
    }
  });

  it('holds a getMore without maxTimeMS about 1 s, then answers an empty batch with a resume token', async () => {
    const items = await freshCollection();
    const opened = await database.command(
      { aggregate: items.collectionName, pipeline: [{ $changeStream: {} }], cursor: {} },
      { promoteLongs: false },
    );
    expect(opened.cursor.id.isZero()).to.equal(false);
    expect(opened.cursor.postBatchResumeToken).to.have.property('_data');
    const began = Date.now();
    const more = await database.command({ getMore: opened.cursor.id, collection: items.collectionName });
    const waited = Date.now() - began;
    expect(waited).to.be.within(800, 3000);
    expect(more.cursor.nextBatch).to.deep.equal([]);
    expect(more.cursor.postBatchResumeToken).to.have.property('_data');
    await database.command({ killCursors: items.collectionName, cursors: [opened.cursor.id] });
  });

  it('resumes after its cursor is killed without losing an event', async function () {
    if (!db.faults) this.skip();
    const items = await freshCollection();
    const stream = await opened(items.watch([], QUICK));
    try {
      await items.insertOne({ _id: 1 });
      expect(((await nextEvent(stream)) as any).documentKey._id).to.equal(1);
      db.faults.killCursors();
      await items.insertMany([{ _id: 2 }, { _id: 3 }]);
      expect(((await nextEvent(stream)) as any).documentKey._id).to.equal(2);
      expect(((await nextEvent(stream)) as any).documentKey._id).to.equal(3);
    } finally {
      await stream.close();
    }
  });

  describe('with a tiny oplog', () => {
    it('fails with ChangeStreamHistoryLost (286) when the resume point is gone', async function () {
      if (!db.faults) this.skip(); // needs a server of its own with a small oplog
      const server = await start({ engine: { oplogSize: 5 } });
      const small = await new MongoClient(server.uri).connect();
      try {
        const items = small.db('history').collection<{ _id: number }>('items');
        const stream = await opened(items.watch([], QUICK));
        await items.insertOne({ _id: 0 });
        const token = (await nextEvent(stream))._id;
        await stream.close();
        for (let i = 1; i <= 20; i++) await items.insertOne({ _id: i });
        const err = await items
          .aggregate([{ $changeStream: { resumeAfter: token } }])
          .toArray()
          .catch((e: unknown) => e);
        expect((err as MongoServerError).code).to.equal(286);

        const lagging = await opened(items.watch([], QUICK));
        for (let i = 21; i <= 40; i++) await items.insertOne({ _id: i });
        const lost = await nextEvent(lagging).catch((e: unknown) => e);
        expect((lost as MongoServerError).code).to.equal(286);
        await lagging.close();
      } finally {
        await small.close();
        await server.stop();
      }
    });
  });
});
