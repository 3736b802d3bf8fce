import { expect } from 'chai';
import { Binary, DBRef, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

/** Documents with any `_id` (the driver's default typing assumes ObjectId). */
type Loose = { _id: number | string; [field: string]: any };

/** Behaviours MongoDB has that mongoose's own test suite relies on (issue 15), through the real driver. */
describe('embedded-mongo: MongoDB fidelity', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  async function fresh(name: string, docs: Loose[]): Promise<Collection<Loose>> {
    const coll = database.collection<Loose>(name);
    await coll.deleteMany({});
    if (docs.length > 0) await coll.insertMany(docs as never[]);
    return coll;
  }

  describe('projection', () => {
    it('returns only _id for the projection {_id: 1} (Model.exists)', async () => {
      const coll = await fresh('projId', [{ _id: 1, a: 1, b: { c: 2 } }]);
      expect(await coll.findOne({}, { projection: { _id: 1 } })).to.deep.equal({ _id: 1 });
      expect(await coll.find({ a: 1 }, { projection: { _id: true } }).toArray()).to.deep.equal([{ _id: 1 }]);
    });
  });

  describe('positional $ in updates', () => {
    it('resolves $ once from the query, so a second path under the same $ finds the element', async () => {
      const coll = await fresh('positional', [{ _id: 1, children: [{ name: 'foo' }, { name: 'bar' }] }]);
      const res = await coll.updateOne(
        { 'children.name': 'bar' },
        { $set: { 'children.$.name': 'Luke', 'children.$.updatedAt': 5 } },
      );
      expect(res.modifiedCount).to.equal(1);
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({
        _id: 1,
        children: [{ name: 'foo' }, { name: 'Luke', updatedAt: 5 }],
      });
    });

    it('resolves $ from the query in findOneAndUpdate with $inc and $unset on the same element', async () => {
      const coll = await fresh('positionalFam', [
        {
          _id: 1,
          items: [
            { k: 'a', n: 1, t: 1 },
            { k: 'b', n: 1, t: 1 },
          ],
        },
      ]);
      const after = await coll.findOneAndUpdate(
        { 'items.k': 'b' },
        { $set: { 'items.$.k': 'c' }, $inc: { 'items.$.n': 2 }, $unset: { 'items.$.t': '' } },
        { returnDocument: 'after' },
      );
      expect(after).to.deep.equal({
        _id: 1,
        items: [
          { k: 'a', n: 1, t: 1 },
          { k: 'c', n: 3 },
        ],
      });
    });
  });

  describe('$all and nested projections', () => {
    it('matches $all against a scalar field as equality, and an empty $all against nothing', async () => {
      const coll = await fresh('all', [
        { _id: 1, qty: 5 },
        { _id: 2, qty: [5, 6] },
        { _id: 3, qty: [6] },
        { _id: 4, tags: ['a', 'b'] },
      ]);
      const ids = async (f: object) => (await coll.find(f).toArray()).map((d) => d._id);
      expect(await ids({ qty: { $all: [5] } })).to.deep.equal([1, 2]);
      expect(await ids({ qty: { $all: [5, 6] } })).to.deep.equal([2]);
      expect(await ids({ qty: { $all: [] } })).to.deep.equal([]);
      expect(await ids({ tags: { $all: [/^a/, 'b'] } })).to.deep.equal([4]);
      expect(await ids({ $or: [{ qty: { $all: [6] } }, { tags: { $all: ['b'] } }] })).to.deep.equal([
        2, 3, 4,
      ]);
    });

    it('reads a nested projection object like dotted paths', async () => {
      const coll = await fresh('nestedProj', [{ _id: 1, account: { amount: 3, currency: 'EUR' }, other: 1 }]);
      expect(await coll.findOne({}, { projection: { account: { amount: 1 } } })).to.deep.equal({
        _id: 1,
        account: { amount: 3 },
      });
      expect(await coll.findOne({}, { projection: { account: { amount: 0 }, _id: 0 } })).to.deep.equal({
        account: { currency: 'EUR' },
        other: 1,
      });
      expect(await coll.findOne({}, { projection: { other: 1, account: { currency: 1 } } })).to.deep.equal({
        _id: 1,
        account: { currency: 'EUR' },
        other: 1,
      });
    });

    it('names a mixed inclusion and exclusion projection as MongoDB does (31254)', async () => {
      const coll = await fresh('mixedProj', [{ _id: 1, a: 1, b: 1 }]);
      const err = await coll
        .findOne({}, { projection: { a: 1, b: 0 } })
        .catch((e: unknown) => e as { code?: number; message?: string });
      expect(err).to.include({ code: 31254 });
      expect((err as Error).message).to.equal('Cannot do exclusion on field b in inclusion projection');
    });
  });

  describe('$-prefixed field names in updates (MongoDB 5.0+)', () => {
    it('lets $set write a nested $-prefixed field, and refuses a top-level one on an existing document (52)', async () => {
      const coll = await fresh('dollarSet', [{ _id: 1, a: { x: 1 } }]);
      await coll.updateOne({ _id: 1 }, { $set: { 'a.$b': 1, c: { $d: 2 } } });
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: { x: 1, $b: 1 }, c: { $d: 2 } });
      const err = await coll
        .updateOne({ _id: 1 }, { $set: { $hotel: 320 } } as never)
        .catch((e: unknown) => e);
      expect(err).to.include({ code: 52 });
      expect((err as Error).message).to.equal(
        "The dollar ($) prefixed field '$hotel' in '$hotel' is not valid for storage.",
      );
    });

    it('lets an upsert insert top-level and nested $-prefixed fields, as an insert would', async () => {
      const coll = await fresh('dollarUpsert', []);
      const res = await coll.updateOne(
        { date: '2021-07-07' },
        { $set: { phone: 25.17, $hotel: 320.1, 'x.$y': 1 } } as never,
        { upsert: true },
      );
      expect(res.upsertedCount).to.equal(1);
      expect(await coll.findOne({}, { projection: { _id: 0 } })).to.deep.equal({
        date: '2021-07-07',
        $hotel: 320.1,
        phone: 25.17,
        x: { $y: 1 },
      });
      // The same statement matching the document it inserted is an update of an existing document: refused.
      const again = await coll
        .updateOne({ date: '2021-07-07' }, { $set: { $hotel: 1 } } as never, { upsert: true })
        .catch((e: unknown) => e);
      expect(again).to.include({ code: 52 });
    });

    it('refuses a top-level $-prefixed field in a replacement document, and keeps nested ones', async () => {
      const coll = await fresh('dollarReplace', [{ _id: 1 }]);
      const reply = await database.command({
        update: 'dollarReplace',
        updates: [{ q: { _id: 1 }, u: { a: 1, $rooms: 2 } }],
      });
      expect(reply.writeErrors?.[0]?.code).to.equal(52);
      await coll.replaceOne({ _id: 1 }, { address: { $number: 123, $street: 'Elm' } });
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({
        _id: 1,
        address: { $number: 123, $street: 'Elm' },
      });
    });
  });

  describe('names JavaScript objects inherit are not fields', () => {
    it('matches {constructor: {$exists: true}} only where the document has that field', async () => {
      const coll = await fresh('inherited', [
        { _id: 1, a: 1 },
        { _id: 2, constructor: 'x' },
        { _id: 3, nested: { toString: 1 } },
      ]);
      const ids = async (f: object) => (await coll.find(f).toArray()).map((d) => d._id);
      expect(await ids({ constructor: { $exists: true } })).to.deep.equal([2]);
      expect(await ids({ constructor: { $exists: false } })).to.deep.equal([1, 3]);
      expect(await ids({ 'a.constructor': { $exists: true } })).to.deep.equal([]);
      expect(await ids({ 'nested.toString': { $exists: true } })).to.deep.equal([3]);
      expect(
        await ids({ $or: [{ hasOwnProperty: { $exists: true } }, { 'nested.valueOf': { $exists: true } }] }),
      ).to.deep.equal([]);
      expect(await coll.distinct('constructor')).to.deep.equal(['x']);
    });

    it('creates constructor.x with $set and upserts, and projects a field named constructor', async () => {
      const coll = await fresh('inheritedSet', [{ _id: 1 }]);
      await coll.updateOne({ _id: 1 }, { $set: { 'constructor.x': 1, 'toString.y': 2 } });
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({
        _id: 1,
        constructor: { x: 1 },
        toString: { y: 2 },
      });
      expect(await coll.findOne({ _id: 1 }, { projection: { 'constructor.x': 1 } })).to.deep.equal({
        _id: 1,
        constructor: { x: 1 },
      });
      await coll.updateOne({ _id: 2, 'valueOf.a': 1 }, { $inc: { 'valueOf.b': 1 } }, { upsert: true });
      expect(await coll.findOne({ _id: 2 })).to.deep.equal({ _id: 2, valueOf: { a: 1, b: 1 } });
    });
  });

  describe('hint, capped, $bits, DBRef paths and unknown stages', () => {
    it('refuses a hint that names no index (2) in find, count, aggregate, update, delete and findAndModify', async () => {
      const coll = await fresh('hint', [{ _id: 1, a: 1 }]);
      await coll.createIndex({ a: 1 });
      expect(await coll.find({ a: 1 }, { hint: 'a_1' }).toArray()).to.have.length(1);
      expect(await coll.find({ a: 1 }, { hint: { a: 1 } }).toArray()).to.have.length(1);
      expect(await coll.find({}, { hint: { $natural: 1 } }).toArray()).to.have.length(1);
      const failures: (() => Promise<unknown>)[] = [
        () => coll.find({}, { hint: 'nope_1' }).toArray(),
        () => coll.find({}, { hint: { a: -1 } }).toArray(),
        () => coll.countDocuments({}, { hint: { nope: 1 } }),
        () => coll.aggregate([{ $match: {} }], { hint: 'nope_1' }).toArray(),
        () => coll.updateOne({ _id: 1 }, { $set: { b: 1 } }, { hint: { nope: 1 } }),
        () => coll.deleteOne({ _id: 1 }, { hint: { b: 1 } }),
        () => coll.findOneAndUpdate({ _id: 1 }, { $set: { b: 1 } }, { hint: { nope: 1 } }),
      ];
      for (const run of failures) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, 'a missing index hint must fail').to.include({ code: 2 });
        expect((err as Error).message).to.equal('hint provided does not correspond to an existing index');
      }
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: 1 });
    });

    it('refuses create {capped: true} without size (72, "the \'size\' field is required...")', async () => {
      const err = await database.createCollection('cappedNoSize', { capped: true }).catch((e: unknown) => e);
      expect(err).to.include({ code: 72, codeName: 'InvalidOptions' });
      expect((err as Error).message).to.equal("the 'size' field is required when 'capped' is true");
      await database.createCollection('cappedSized', { capped: true, size: 4096 });
    });

    it('runs $bitsAllSet, $bitsAnySet, $bitsAllClear and $bitsAnyClear on numbers and BinData', async () => {
      const coll = await fresh('bits', [
        { _id: 1, v: 0b1010 },
        { _id: 2, v: new Binary(Buffer.from([0b0000_0011, 0x01])) },
        { _id: 3, v: -1 },
        { _id: 4, v: 'text' },
        { _id: 5, v: 2.5 },
      ]);
      const ids = async (f: object) => (await coll.find(f).toArray()).map((d) => d._id);
      expect(await ids({ v: { $bitsAnySet: 1 } })).to.deep.equal([2, 3]);
      expect(await ids({ v: { $bitsAllSet: [1, 3] } })).to.deep.equal([1, 3]);
      expect(await ids({ v: { $bitsAllSet: [0, 8] } })).to.deep.equal([2, 3]);
      expect(await ids({ v: { $bitsAnySet: new Binary(Buffer.from([0, 1])) } })).to.deep.equal([2, 3]);
      expect(await ids({ v: { $bitsAllClear: [0, 2] } })).to.deep.equal([1]);
      expect(await ids({ v: { $bitsAnyClear: 3 } })).to.deep.equal([1]);
      expect(await ids({ v: { $bitsAllSet: [100] } })).to.deep.equal([3]);
    });

    it("matches DBRef fields with $elemMatch: {$ref, $id} and the path 'refs.$id'", async () => {
      const coll = await fresh('dbrefs', [
        { _id: 1, refs: [new DBRef('users', 7 as never), new DBRef('users', 8 as never)] },
        { _id: 2, refs: [new DBRef('teams', 7 as never)] },
        { _id: 3, ref: new DBRef('users', 9 as never, 'other') },
      ]);
      const ids = async (f: object) => (await coll.find(f).toArray()).map((d) => d._id);
      expect(await ids({ refs: { $elemMatch: { $ref: 'users', $id: 7 } } })).to.deep.equal([1]);
      expect(await ids({ refs: { $elemMatch: { $ref: 'teams', $id: { $in: [7, 8] } } } })).to.deep.equal([2]);
      expect(await ids({ 'refs.$id': 7 })).to.deep.equal([1, 2]);
      expect(await ids({ 'refs.$ref': 'teams' })).to.deep.equal([2]);
      expect(await ids({ 'ref.$db': 'other' })).to.deep.equal([3]);
    });

    it('names an unknown pipeline stage as MongoDB does (40324, "Unrecognized pipeline stage name: \'$foo\'")', async () => {
      const coll = await fresh('badStage', [{ _id: 1 }]);
      const err = await coll
        .aggregate([{ $match: {} }, { $foo: 1 }])
        .toArray()
        .catch((e: unknown) => e);
      expect(err).to.include({ code: 40324 });
      expect((err as Error).message).to.equal("Unrecognized pipeline stage name: '$foo'");
    });
  });

  describe("a collection's default collation", () => {
    it('applies to find, sort, count, distinct, aggregate, updates and deletes that give none', async () => {
      await database.createCollection('collated', { collation: { locale: 'en', strength: 2 } });
      const coll = database.collection<Loose>('collated');
      await coll.insertMany([
        { _id: 1, s: 'a' },
        { _id: 2, s: 'B' },
        { _id: 3, s: 'A' },
        { _id: 4, s: 'b' },
      ]);
      const ids = (docs: Loose[]) => docs.map((d) => d._id);
      expect(ids(await coll.find({ s: 'a' }).toArray())).to.deep.equal([1, 3]);
      expect(ids(await coll.find({}, { sort: { s: 1, _id: 1 } }).toArray())).to.deep.equal([1, 3, 2, 4]);
      expect(await coll.countDocuments({ s: 'B' })).to.equal(2);
      expect(await coll.distinct('s')).to.have.length(2);
      expect(ids(await coll.aggregate<Loose>([{ $match: { s: 'b' } }]).toArray())).to.deep.equal([2, 4]);
      // An explicit collation wins, simple included.
      expect(ids(await coll.find({ s: 'a' }, { collation: { locale: 'simple' } }).toArray())).to.deep.equal([
        1,
      ]);
      expect((await coll.updateMany({ s: 'A' }, { $set: { hit: true } })).modifiedCount).to.equal(2);
      expect((await coll.deleteMany({ s: 'b' })).deletedCount).to.equal(2);
      expect(ids(await coll.find().toArray())).to.deep.equal([1, 3]);
    });

    it('refuses an invalid collation at create', async () => {
      const err = await database
        .createCollection('badCollation', { collation: { locale: 'en', bogus: 1 } as never })
        .catch((e: unknown) => e);
      expect(err).to.include({ code: 2 });
    });
  });

  describe('unsupported features', () => {
    // A real MongoDB supports both, so these run against the embedded server only. Code 20 (IllegalOperation)
    // on a write is what the driver rewrites to "does not support retryable writes"; 115 passes through.
    beforeEach(function () {
      if (!db.faults) this.skip();
    });

    it('refuses a time series collection with 115 CommandNotSupported and the reason', async () => {
      const err = (await database
        .createCollection('series', { timeseries: { timeField: 't' } })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(err).to.be.instanceOf(MongoServerError);
      expect(err).to.include({ code: 115, codeName: 'CommandNotSupported' });
      expect(err.message).to.match(/time series collections are not supported/);
      expect(err.message).not.to.match(/retryable writes/);
    });

    it('refuses a $jsonSchema validator with 115 CommandNotSupported, at create and at collMod', async () => {
      const validator = { $jsonSchema: { bsonType: 'object', required: ['a'] } };
      const atCreate = (await database
        .createCollection('schema1', { validator })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(atCreate).to.include({ code: 115, codeName: 'CommandNotSupported' });
      expect(atCreate.message).to.match(/\$jsonSchema validators are not supported/);
      await database.collection('schema2').insertOne({ a: 1 });
      const atCollMod = (await database
        .command({ collMod: 'schema2', validator })
        .catch((e: unknown) => e)) as MongoServerError;
      expect(atCollMod).to.include({ code: 115, codeName: 'CommandNotSupported' });
      expect(atCollMod.message).not.to.match(/retryable writes/);
    });
  });

  describe('hinted order and capped flags (mongoose suite)', () => {
    it("returns an unsorted query's documents in the hinted index's order, in find and aggregate", async () => {
      const coll = database.collection<Loose>('hinted');
      await coll.createIndex({ qty: -1, name: -1 });
      await coll.insertMany([
        { _id: 1, name: 'Andrew', qty: 4 },
        { _id: 2, name: 'Betty', qty: 5 },
        { _id: 3, name: 'Charlie', qty: 4 },
      ]);
      const names = (docs: Loose[]) => docs.map((d) => d.name);
      expect(names(await coll.find({}).toArray())).to.deep.equal(['Andrew', 'Betty', 'Charlie']);
      const byIndex = ['Betty', 'Charlie', 'Andrew'];
      expect(names(await coll.find({}, { hint: { qty: -1, name: -1 } }).toArray())).to.deep.equal(byIndex);
      expect(names(await coll.find({}, { hint: 'qty_-1_name_-1' }).toArray())).to.deep.equal(byIndex);
      expect(
        names(await coll.aggregate<Loose>([{ $match: {} }], { hint: { qty: -1, name: -1 } }).toArray()),
      ).to.deep.equal(byIndex);
      // A sort of the query's own wins over the hint's order.
      expect(
        names(await coll.find({}, { hint: { qty: -1, name: -1 }, sort: { name: 1 } }).toArray()),
      ).to.deep.equal(['Andrew', 'Betty', 'Charlie']);
      expect(
        names(
          await coll.aggregate<Loose>([{ $sort: { name: 1 } }], { hint: { qty: -1, name: -1 } }).toArray(),
        ),
      ).to.deep.equal(['Andrew', 'Betty', 'Charlie']);
    });

    it('reads a number as the capped flag, as MongoDB does: {capped: 1024} without size is refused (72)', async () => {
      const err = await database
        .createCollection('cappedNumber', { capped: 1024 } as never)
        .catch((e: unknown) => e);
      expect(err).to.include({ code: 72 });
    });
  });
});
