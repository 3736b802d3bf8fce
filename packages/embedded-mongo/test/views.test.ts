import { expect } from 'chai';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Loose = { _id: number | string; [field: string]: any };

/** Read-only views: `create` with `viewOn` and `pipeline`. */
describe('embedded-mongo: views', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
    await database.collection<Loose>('orders').insertMany([
      { _id: 1, user: 'a', qty: 1 },
      { _id: 2, user: 'b', qty: 5 },
      { _id: 3, user: 'a', qty: 7 },
    ]);
    await database.createCollection('big', { viewOn: 'orders', pipeline: [{ $match: { qty: { $gt: 2 } } }] });
    await database.createCollection('bigA', { viewOn: 'big', pipeline: [{ $match: { user: 'a' } }] });
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  it('answers find, count, distinct and aggregate with the view pipeline applied', async () => {
    const big = database.collection<Loose>('big');
    expect(await big.find({}, { sort: { _id: -1 }, projection: { qty: 1 } }).toArray()).to.deep.equal([
      { _id: 3, qty: 7 },
      { _id: 2, qty: 5 },
    ]);
    expect(await big.countDocuments({ user: 'b' })).to.equal(1);
    expect(await big.estimatedDocumentCount()).to.equal(2);
    expect(await big.distinct('user')).to.deep.equal(['a', 'b']);
    const total = await big.aggregate([{ $group: { _id: null, qty: { $sum: '$qty' } } }]).toArray();
    expect(total).to.deep.equal([{ _id: null, qty: 12 }]);
  });

  it('computes a view defined on a view, and sees later writes to the collection', async () => {
    const bigA = database.collection<Loose>('bigA');
    expect(await bigA.find().toArray()).to.deep.equal([{ _id: 3, user: 'a', qty: 7 }]);
    await database.collection<Loose>('orders').insertOne({ _id: 4, user: 'a', qty: 9 });
    expect((await bigA.find().toArray()).map((d) => d._id)).to.deep.equal([3, 4]);
    await database.collection<Loose>('orders').deleteOne({ _id: 4 });
  });

  it('lists views with their definition and refuses writes to them (166)', async () => {
    const [info] = await database.listCollections({ name: 'big' }).toArray();
    expect(info).to.deep.include({ name: 'big', type: 'view' });
    expect((info as any).options).to.deep.equal({
      viewOn: 'orders',
      pipeline: [{ $match: { qty: { $gt: 2 } } }],
    });
    const err = await database
      .collection<Loose>('big')
      .insertOne({ _id: 9 })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 166);
  });

  it('drops a view without touching the collection', async () => {
    await database.createCollection('tmpView', { viewOn: 'orders', pipeline: [] });
    expect(await database.collection('tmpView').drop()).to.equal(true);
    expect(await database.listCollections({ name: 'tmpView' }).toArray()).to.deep.equal([]);
    expect(await database.collection('orders').countDocuments()).to.equal(3);
  });
});
