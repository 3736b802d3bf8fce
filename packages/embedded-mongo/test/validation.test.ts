import { expect } from 'chai';
import { MongoBulkWriteError, MongoClient, MongoServerError, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Loose = { _id: number | string; [field: string]: any };

/** Collection validators set by create or collMod, and bypassDocumentValidation. */
describe('embedded-mongo: document validation', () => {
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

  it('refuses inserts and updates that fail the validator with 121 and the failing _id', async () => {
    const coll = await database.createCollection<Loose>(`valid${++counter}`, {
      validator: { qty: { $type: 'int', $gte: 0 } },
    });
    await coll.insertOne({ _id: 1, qty: 1 });
    const insert = (await coll.insertOne({ _id: 2, qty: -1 }).catch((e: unknown) => e)) as MongoServerError;
    expect(insert).to.be.instanceOf(MongoServerError);
    expect(insert.code).to.equal(121);
    expect(insert.errInfo).to.include({ failingDocumentId: 2 });
    const update = (await coll
      .findOneAndUpdate({ _id: 1 }, { $set: { qty: 'many' } })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(update.code).to.equal(121);
    expect(update.errorResponse.errInfo).to.have.property('details').that.is.an('object');
    expect(await coll.find().toArray()).to.deep.equal([{ _id: 1, qty: 1 }]);
  });

  it('applies a validator added by collMod, unless the write bypasses validation', async () => {
    const coll = database.collection<Loose>(`valid${++counter}`);
    await coll.insertOne({ _id: 1, name: 'a' });
    await database.command({ collMod: coll.collectionName, validator: { name: { $type: 'string' } } });
    const bulk = await coll.insertMany([{ _id: 2, name: 5 }]).catch((e: unknown) => e);
    expect(bulk).to.be.instanceOf(MongoBulkWriteError);
    await coll.insertOne({ _id: 3, name: 5 }, { bypassDocumentValidation: true });
    expect(await coll.countDocuments()).to.equal(2);
  });

  it('lets documents that already failed keep failing under validationLevel moderate', async () => {
    const coll = database.collection<Loose>(`valid${++counter}`);
    await coll.insertMany([
      { _id: 'bad', n: 'x' },
      { _id: 'good', n: 1 },
    ]);
    await database.command({
      collMod: coll.collectionName,
      validator: { n: { $type: 'number' } },
      validationLevel: 'moderate',
    });
    await coll.updateOne({ _id: 'bad' }, { $set: { other: 1 } });
    const err = await coll.updateOne({ _id: 'good' }, { $set: { n: 'y' } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 121);
  });

  it('answers collMod on a missing collection with NamespaceNotFound (26)', async () => {
    const err = await database.command({ collMod: 'nope', validator: {} }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 26);
  });
});
