import { expect } from 'chai';
import { MongoClient, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from '../helpers/db';

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
});
