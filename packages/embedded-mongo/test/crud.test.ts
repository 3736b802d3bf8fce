import { expect } from 'chai';
import {
  Binary,
  BSON,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  ObjectId,
  Timestamp,
  UUID,
  type CommandStartedEvent,
  type Db,
} from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';
import { connectRaw, opMsg, readReply } from './raw-wire';

describe('embedded-mongo: CRUD through the driver', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  const started: CommandStartedEvent[] = [];

  before(async () => {
    db = await getTestDatabase();
    client = new MongoClient(db.uri, { monitorCommands: true });
    client.on('commandStarted', (e) => started.push(e));
    await client.connect();
    database = client.db(db.dbName);
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  describe('BSON types', () => {
    it('round-trips every common type with its exact BSON type and field order', async () => {
      const doc = {
        _id: new ObjectId(),
        date: new Date('2024-02-29T12:34:56.789Z'),
        decimal: Decimal128.fromString('1234567890.123456789'),
        bigLong: Long.fromString('9007199254740993'),
        int: new Int32(42),
        double: new Double(2.5),
        string: 'héllo ✓ 😀',
        bool: true,
        nothing: null,
        binary: new Binary(Buffer.from([0, 1, 2, 250, 255])),
        uuid: new UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
        timestamp: new Timestamp({ t: 1700000000, i: 7 }),
        regex: /^ab+c$/i,
        minKey: new MinKey(),
        maxKey: new MaxKey(),
        nested: { array: [1, 'two', { three: 3 }], empty: {} },
      };
      await database.collection('types').insertOne(doc);
      const found = await database.collection('types').findOne({ _id: doc._id }, { promoteValues: false });
      const canonical = (v: unknown): string => BSON.EJSON.stringify(v as BSON.Document, { relaxed: false });
      const sent = BSON.deserialize(BSON.serialize(doc), { promoteValues: false });
      expect(canonical(found)).to.equal(canonical(sent));
    });

    it('finds by ObjectId, Date range, Decimal128 and Binary values', async () => {
      const coll = database.collection('typed-queries');
      const id = new ObjectId();
      await coll.insertMany([
        {
          _id: id,
          at: new Date('2024-01-01'),
          price: Decimal128.fromString('9.99'),
          tag: new Binary(Buffer.from('a')),
        },
        {
          at: new Date('2025-01-01'),
          price: Decimal128.fromString('19.99'),
          tag: new Binary(Buffer.from('b')),
        },
      ]);
      expect((await coll.findOne({ _id: id }))?._id.equals(id)).to.equal(true);
      expect(await coll.countDocuments({ at: { $gte: new Date('2024-06-01') } })).to.equal(1);
      expect(await coll.countDocuments({ price: Decimal128.fromString('9.99') })).to.equal(1);
      expect(await coll.countDocuments({ tag: new Binary(Buffer.from('b')) })).to.equal(1);
    });
  });

  describe('cursors', () => {
    before(async () => {
      await database
        .collection<{ _id: number; v: number }>('many')
        .insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, v: i * 2 })));
    });

    it('returns every document across batches with getMore', async () => {
      const before = started.filter((e) => e.commandName === 'getMore').length;
      const docs = await database.collection('many').find({}, { batchSize: 20 }).sort({ _id: 1 }).toArray();
      expect(docs.map((d) => d._id)).to.deep.equal(Array.from({ length: 250 }, (_, i) => i));
      const getMores = started.filter((e) => e.commandName === 'getMore').length - before;
      expect(getMores).to.be.at.least(12);
    });

    it('returns 101 documents in the first batch by default', async () => {
      const reply = await database.command({ find: 'many', filter: {} }, { promoteLongs: false });
      expect(reply.cursor.firstBatch).to.have.length(101);
      expect(reply.cursor.id).to.be.instanceOf(Long);
      expect(reply.cursor.id.isZero()).to.equal(false);
      await database.command({ killCursors: 'many', cursors: [reply.cursor.id] });
    });

    it('gives an exhausted cursor the int64 id 0', async () => {
      const reply = await database.command(
        { find: 'many', filter: { _id: { $lt: 3 } } },
        { promoteLongs: false },
      );
      expect(reply.cursor.id).to.be.instanceOf(Long);
      expect(reply.cursor.id.isZero()).to.equal(true);
    });

    it('kills a cursor: killCursors reports it and a later getMore gets CursorNotFound (43)', async () => {
      const reply = await database.command({ find: 'many', filter: {}, batchSize: 5 });
      const id: Long = reply.cursor.id;
      const killed = await database.command({ killCursors: 'many', cursors: [id] });
      expect(killed.cursorsKilled.map(String)).to.deep.equal([String(id)]);
      const err = await database.command({ getMore: id, collection: 'many' }).catch((e: unknown) => e);
      expect((err as MongoServerError).code).to.equal(43);
    });

    it('lets a cursor continue, and be killed, on another connection', async () => {
      // Raw sockets without sessions: drivers pool connections, so a getMore may come on any of them.
      const first = await connectRaw(db.uri);
      const second = await connectRaw(db.uri);
      try {
        first.write(opMsg({ find: 'many', filter: {}, sort: { _id: 1 }, batchSize: 5, $db: db.dbName }));
        const opened = (await readReply(first)).doc;
        first.destroy(); // the cursor outlives the connection that opened it
        second.write(opMsg({ getMore: opened.cursor.id, collection: 'many', batchSize: 5, $db: db.dbName }));
        const more = (await readReply(second)).doc;
        expect(more.cursor.nextBatch.map((d: { _id: number }) => d._id)).to.deep.equal([5, 6, 7, 8, 9]);
        second.write(opMsg({ killCursors: 'many', cursors: [opened.cursor.id], $db: db.dbName }));
        expect((await readReply(second)).doc.cursorsKilled).to.have.length(1);
      } finally {
        first.destroy();
        second.destroy();
      }
    });

    it('closes a cursor early with killCursors when the caller stops reading', async () => {
      const cursor = database.collection('many').find({}, { batchSize: 10 });
      await cursor.next();
      await cursor.close();
      const kill = started.filter((e) => e.commandName === 'killCursors').pop();
      expect(kill?.command.cursors).to.have.length(1);
    });
  });

  describe('unique indexes and write errors', () => {
    before(async () => {
      await database.collection('users').createIndex({ email: 1 }, { unique: true });
    });

    it('reports a duplicate key as 11000 with keyPattern and keyValue', async () => {
      const users = database.collection('users');
      await users.insertOne({ email: 'a@example.com' });
      const err = await users.insertOne({ email: 'a@example.com' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError);
      expect((err as MongoServerError).code).to.equal(11000);
      expect((err as MongoServerError).keyPattern).to.deep.equal({ email: 1 });
      expect((err as MongoServerError).keyValue).to.deep.equal({ email: 'a@example.com' });
    });

    it('stops an ordered insertMany at the first error', async () => {
      const coll = database.collection('ordered');
      await coll.insertOne({ _id: 2 } as any);
      const err = (await coll
        .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as any[])
        .catch((e: unknown) => e)) as MongoBulkWriteError;
      expect(err).to.be.instanceOf(MongoBulkWriteError);
      expect(err.insertedCount).to.equal(1);
      expect(err.writeErrors).to.satisfy((w: unknown) => (Array.isArray(w) ? w.length === 1 : true));
      expect(await coll.countDocuments()).to.equal(2);
    });

    it('carries on after errors in an unordered insertMany and reports each one', async () => {
      const coll = database.collection('unordered');
      await coll.insertMany([{ _id: 2 }, { _id: 4 }] as any[]);
      const err = (await coll
        .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }, { _id: 4 }, { _id: 5 }] as any[], { ordered: false })
        .catch((e: unknown) => e)) as MongoBulkWriteError;
      expect(err).to.be.instanceOf(MongoBulkWriteError);
      expect(err.code).to.equal(11000);
      expect(err.insertedCount).to.equal(3);
      const indexes = (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]).map(
        (w) => w.index,
      );
      expect(indexes).to.deep.equal([1, 3]);
      expect(await coll.countDocuments()).to.equal(5);
    });

    it('turns 50 concurrent upserts on one unique key into one document', async () => {
      const coll = database.collection('upserts');
      await coll.createIndex({ key: 1 }, { unique: true });
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          coll.updateOne({ key: 'hot' }, { $inc: { n: 1 } }, { upsert: true }),
        ),
      );
      expect(results.filter((r) => r.upsertedCount === 1)).to.have.length(1);
      const docs = await coll.find({ key: 'hot' }).toArray();
      expect(docs).to.have.length(1);
      expect(docs[0].n).to.equal(50);
    });
  });

  describe('findOneAndUpdate', () => {
    it('returns the document before or after, upserts, and returns null without a match', async () => {
      const coll = database.collection('counters');
      await coll.insertOne({ _id: 'c1', n: 1 } as any);
      const after = await coll.findOneAndUpdate(
        { _id: 'c1' } as any,
        { $inc: { n: 1 } },
        { returnDocument: 'after' },
      );
      expect(after).to.deep.equal({ _id: 'c1', n: 2 });
      const before = await coll.findOneAndUpdate(
        { _id: 'c1' } as any,
        { $inc: { n: 5 } },
        { returnDocument: 'before' },
      );
      expect(before).to.deep.equal({ _id: 'c1', n: 2 });
      const created = await coll.findOneAndUpdate(
        { _id: 'c2' } as any,
        { $setOnInsert: { n: 10 } },
        { upsert: true, returnDocument: 'after' },
      );
      expect(created).to.deep.equal({ _id: 'c2', n: 10 });
      expect(await coll.findOneAndUpdate({ _id: 'none' } as any, { $inc: { n: 1 } })).to.equal(null);
      const meta = await coll.findOneAndUpdate(
        { _id: 'c1' } as any,
        { $inc: { n: 1 } },
        { includeResultMetadata: true },
      );
      expect(meta.ok).to.equal(1);
      expect(meta.lastErrorObject?.updatedExisting).to.equal(true);
    });
  });

  describe('aggregation', () => {
    before(async () => {
      await database.collection<{ _id: number; name: string; category: string }>('products').insertMany([
        { _id: 1, name: 'pen', category: 'office' },
        { _id: 2, name: 'desk', category: 'furniture' },
        { _id: 3, name: 'stapler', category: 'office' },
      ]);
      await database.collection('orders').insertMany([
        { productId: 1, qty: 2 },
        { productId: 1, qty: 3 },
        { productId: 3, qty: 1 },
      ]);
    });

    it('joins with $lookup and sums with $group', async () => {
      const rows = await database
        .collection('orders')
        .aggregate([
          { $lookup: { from: 'products', localField: 'productId', foreignField: '_id', as: 'product' } },
          { $unwind: '$product' },
          { $group: { _id: '$product.name', total: { $sum: '$qty' } } },
          { $sort: { _id: 1 } },
        ])
        .toArray();
      expect(rows).to.deep.equal([
        { _id: 'pen', total: 5 },
        { _id: 'stapler', total: 1 },
      ]);
    });

    it('computes several views with $facet and counts with $count', async () => {
      const [result] = await database
        .collection('products')
        .aggregate([
          {
            $facet: {
              byCategory: [{ $group: { _id: '$category', n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
              office: [{ $match: { category: 'office' } }, { $count: 'n' }],
            },
          },
        ])
        .toArray();
      expect(result.byCategory).to.deep.equal([
        { _id: 'furniture', n: 1 },
        { _id: 'office', n: 2 },
      ]);
      expect(result.office).to.deep.equal([{ n: 2 }]);
      expect(await database.collection('products').countDocuments({ category: 'office' })).to.equal(2);
    });
  });
});
