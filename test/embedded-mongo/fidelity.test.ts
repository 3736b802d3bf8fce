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
});
