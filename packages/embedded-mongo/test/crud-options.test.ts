import { expect } from 'chai';
import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

/** Documents with any `_id` (the driver's default typing assumes ObjectId). */
type Loose = { _id: number | string; [field: string]: any };

/** Command options of MongoDB 5.0+: `let` variables, collations, and dotted / `$`-prefixed field names. */
describe('embedded-mongo: let, collation and field names', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let serverMajor = 0;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
    serverMajor = Number(String((await database.admin().command({ buildInfo: 1 })).version).split('.')[0]);
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

  describe('let', () => {
    it('binds $$variables in find, aggregate, update, delete and findAndModify filters', async () => {
      const coll = await fresh('let', [
        { _id: 1, name: 'a', n: 1 },
        { _id: 2, name: 'b', n: 2 },
        { _id: 3, name: 'c', n: 3 },
      ]);
      const byId = { $expr: { $eq: ['$_id', '$$id'] } };
      expect(await coll.find(byId, { let: { id: 2 } }).toArray()).to.deep.equal([
        { _id: 2, name: 'b', n: 2 },
      ]);
      const agg = await coll
        .aggregate([{ $match: byId }, { $project: { _id: 0, label: '$$label' } }], {
          let: { id: 3, label: 'x' },
        })
        .toArray();
      expect(agg).to.deep.equal([{ label: 'x' }]);
      const upd = await coll.updateOne(byId, [{ $set: { n: '$$value' } }], { let: { id: 1, value: 10 } });
      expect(upd.modifiedCount).to.equal(1);
      const found = await coll.findOneAndUpdate(
        byId,
        { $inc: { n: 1 } },
        { let: { id: 1 }, returnDocument: 'after' },
      );
      expect(found).to.deep.equal({ _id: 1, name: 'a', n: 11 });
      expect((await coll.deleteOne(byId, { let: { id: 3 } })).deletedCount).to.equal(1);
      expect(await coll.countDocuments()).to.equal(2);
    });

    it('evaluates each variable once as an expression ($literal keeps a dollar string)', async () => {
      const coll = await fresh('letLiteral', [{ _id: 1 }]);
      const out = await coll
        .aggregate([{ $project: { _id: 0, x: '$$x', y: '$$y' } }], {
          let: { x: { $add: [1, 2] }, y: { $literal: '$bar' } },
        })
        .toArray();
      expect(out).to.deep.equal([{ x: 3, y: '$bar' }]);
    });

    it('refuses an undefined variable', async () => {
      const coll = await fresh('letMissing', [{ _id: 1 }]);
      const err = await coll
        .find({ $expr: { $eq: ['$_id', '$$nope'] } })
        .toArray()
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError);
    });
  });

  describe('collation', () => {
    const caseInsensitive = { locale: 'en_US', strength: 2 };

    it('compares strings case-insensitively in find, count and aggregate $match', async () => {
      const coll = await fresh('collFind', [
        { _id: 1, x: 'ping' },
        { _id: 2, x: 'PING' },
        { _id: 3, x: 'pong' },
      ]);
      expect(await coll.find({ x: 'Ping' }).toArray()).to.deep.equal([]);
      const found = await coll.find({ x: 'Ping' }, { collation: caseInsensitive }).toArray();
      expect(found.map((d) => d._id)).to.deep.equal([1, 2]);
      expect(await coll.countDocuments({ x: { $in: ['PONG'] } }, { collation: caseInsensitive })).to.equal(1);
      const agg = await coll
        .aggregate([{ $match: { x: { $gte: 'PING', $lt: 'POn' } } }], { collation: caseInsensitive })
        .toArray();
      expect(agg.map((d) => d._id)).to.deep.equal([1, 2]);
    });

    it('sorts with the collation and lets distinct fold equal strings into one value', async () => {
      const coll = await fresh('collSort', [
        { _id: 1, s: 'b' },
        { _id: 2, s: 'B' },
        { _id: 3, s: 'a' },
        { _id: 4, s: 'C' },
      ]);
      const binary = await coll.find({}, { sort: { s: 1, _id: 1 } }).toArray();
      expect(binary.map((d) => d._id)).to.deep.equal([2, 4, 3, 1]);
      const collated = await coll.find({}, { sort: { s: 1, _id: 1 }, collation: caseInsensitive }).toArray();
      expect(collated.map((d) => d._id)).to.deep.equal([3, 1, 2, 4]);
      expect(await coll.distinct('s', {}, { collation: caseInsensitive })).to.have.length(3);
      expect(await coll.distinct('s')).to.have.length(4);
    });

    it('matches with the collation in updates, deletes and findOneAndUpdate', async () => {
      const coll = await fresh('collWrite', [
        { _id: 1, x: 'ping' },
        { _id: 2, x: 'pINg' },
        { _id: 3, x: 'pong' },
      ]);
      expect(
        (await coll.updateMany({ x: 'PING' }, { $set: { hit: true } }, { collation: caseInsensitive }))
          .modifiedCount,
      ).to.equal(2);
      const doc = await coll.findOneAndUpdate(
        { x: 'PONG' },
        { $set: { hit: true } },
        { collation: caseInsensitive, returnDocument: 'after' },
      );
      expect(doc).to.deep.equal({ _id: 3, x: 'pong', hit: true });
      expect((await coll.deleteMany({ x: 'PING' }, { collation: caseInsensitive })).deletedCount).to.equal(2);
    });

    it('refuses an unknown collation field', async () => {
      const coll = await fresh('collBad', [{ _id: 1 }]);
      const err = await coll
        .find({}, { collation: { locale: 'en', bogus: 1 } as never })
        .toArray()
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError);
    });
  });

  describe('dotted and $-prefixed field names', () => {
    it('stores top-level and nested $-prefixed and dotted field names as given', async () => {
      const coll = await fresh('dots', []);
      await coll.insertOne({ _id: 1, $a: 1, 'b.c': 2, d: { $e: 3, 'f.g': 4 } } as never);
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({
        _id: 1,
        $a: 1,
        'b.c': 2,
        d: { $e: 3, 'f.g': 4 },
      });
    });

    it('sets them with $setField in a pipeline update', async () => {
      const coll = await fresh('dotsPipeline', [{ _id: 1, foo: {} }]);
      await coll.updateOne({ _id: 1 }, [
        { $replaceWith: { $setField: { field: { $literal: '$a' }, value: 1, input: '$$ROOT' } } },
      ]);
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, foo: {}, $a: 1 });
    });

    it('refuses a $-prefixed field inside _id, and an operator update path naming one', async () => {
      const coll = await fresh('dotsId', [{ _id: 1 }]);
      const inId = await coll.insertOne({ _id: { $a: 1 } } as never).catch((e: unknown) => e);
      expect(inId).to.be.instanceOf(MongoServerError);
      const viaSet = await coll.updateOne({ _id: 1 }, { $set: { $x: 1 } } as never).catch((e: unknown) => e);
      expect(viaSet).to.be.instanceOf(MongoServerError);
      expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1 });
    });
  });

  it('refuses sort on updateOne / replaceOne before MongoDB 8.0 and changes nothing', async function () {
    if (serverMajor >= 8) this.skip(); // 8.0 supports it
    const coll = await fresh('updateSort', [
      { _id: 1, x: 1 },
      { _id: 2, x: 2 },
    ]);
    const err = await coll
      .updateOne({}, { $inc: { x: 1 } }, { sort: { _id: -1 } } as never)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError);
    expect(await coll.find().toArray()).to.deep.equal([
      { _id: 1, x: 1 },
      { _id: 2, x: 2 },
    ]);
  });
});
