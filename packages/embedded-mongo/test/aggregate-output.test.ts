import { expect } from 'chai';
import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Loose = { _id: number | string; [field: string]: any };

/** The writing stages of aggregate (`$out`, `$merge`) and `$listLocalSessions`. */
describe('embedded-mongo: $out, $merge and $listLocalSessions', () => {
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

  async function fresh(docs: Loose[]): Promise<Collection<Loose>> {
    const coll = database.collection<Loose>(`out${++counter}`);
    if (docs.length > 0) await coll.insertMany(docs);
    return coll;
  }

  it('$out replaces the target with the results, keeping its indexes, and returns no documents', async () => {
    const src = await fresh([
      { _id: 1, x: 1 },
      { _id: 2, x: 2 },
      { _id: 3, x: 3 },
    ]);
    const dst = await fresh([{ _id: 'old' }]);
    await dst.createIndex({ x: 1 }, { unique: true });
    const out = await src
      .aggregate([
        { $match: { x: { $gt: 1 } } },
        { $project: { x: { $multiply: ['$x', 10] } } },
        { $out: dst.collectionName },
      ])
      .toArray();
    expect(out).to.deep.equal([]);
    expect(await dst.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 2, x: 20 },
      { _id: 3, x: 30 },
    ]);
    expect((await dst.indexes()).map((ix) => ix.name)).to.deep.equal(['_id_', 'x_1']);
  });

  it('$out leaves the target untouched when the results break one of its unique indexes', async () => {
    const src = await fresh([
      { _id: 1, x: 1 },
      { _id: 2, x: 1 },
    ]);
    const dst = await fresh([{ _id: 'keep', x: 5 }]);
    await dst.createIndex({ x: 1 }, { unique: true });
    const err = await src
      .aggregate([{ $out: dst.collectionName }])
      .toArray()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoServerError).and.to.have.property('code', 11000);
    expect(await dst.find().toArray()).to.deep.equal([{ _id: 'keep', x: 5 }]);
  });

  it('$merge merges, replaces, keeps or inserts by _id as whenMatched / whenNotMatched say', async () => {
    const src = await fresh([
      { _id: 1, a: 'new' },
      { _id: 2, a: 'new' },
    ]);
    const dst = await fresh([{ _id: 1, a: 'old', b: 'kept' }]);
    await src.aggregate([{ $merge: { into: dst.collectionName } }]).toArray();
    expect(await dst.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1, a: 'new', b: 'kept' },
      { _id: 2, a: 'new' },
    ]);
    await dst.updateMany({}, { $set: { a: 'old' } });
    await src.aggregate([{ $merge: { into: dst.collectionName, whenMatched: 'replace' } }]).toArray();
    expect(await dst.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: 'new' });
    await dst.updateMany({}, { $set: { a: 'old' } });
    await src
      .aggregate([
        { $merge: { into: dst.collectionName, whenMatched: 'keepExisting', whenNotMatched: 'discard' } },
      ])
      .toArray();
    expect(await dst.countDocuments({ a: 'old' })).to.equal(2);
  });

  it('$merge with a pipeline sees the incoming document as $$new', async () => {
    const src = await fresh([{ _id: 1, n: 5 }]);
    const dst = await fresh([{ _id: 1, n: 1 }]);
    await src
      .aggregate([
        { $merge: { into: dst.collectionName, whenMatched: [{ $set: { n: { $add: ['$n', '$$new.n'] } } }] } },
      ])
      .toArray();
    expect(await dst.findOne({ _id: 1 })).to.deep.equal({ _id: 1, n: 6 });
  });

  it('$merge with whenMatched: fail reports the duplicate key with keyPattern and keyValue', async () => {
    const dst = await fresh([{ _id: 2, x: 1 }]);
    const err = (await database
      .aggregate([
        { $documents: [{ _id: 2, x: 1 }] },
        { $merge: { into: dst.collectionName, whenMatched: 'fail' } },
      ])
      .toArray()
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err).to.be.instanceOf(MongoServerError);
    expect(err.code).to.equal(11000);
    expect(err.errorResponse).to.deep.include({ keyPattern: { _id: 1 }, keyValue: { _id: 2 } });
  });

  it('$merge on other fields needs a unique index on them', async () => {
    const src = await fresh([{ _id: 1, k: 'a', v: 1 }]);
    const dst = await fresh([{ _id: 9, k: 'a', v: 0 }]);
    const noIndex = await src
      .aggregate([{ $project: { _id: 0 } }, { $merge: { into: dst.collectionName, on: 'k' } }])
      .toArray()
      .catch((e: unknown) => e);
    expect(noIndex).to.be.instanceOf(MongoServerError).and.to.have.property('code', 51183);
    await dst.createIndex({ k: 1 }, { unique: true });
    await src
      .aggregate([{ $project: { _id: 0 } }, { $merge: { into: dst.collectionName, on: 'k' } }])
      .toArray();
    expect(await dst.find().toArray()).to.deep.equal([{ _id: 9, k: 'a', v: 1 }]);
  });

  it('lists the local sessions with $listLocalSessions', async () => {
    const session = client.startSession();
    try {
      await database.collection('any').findOne({}, { session });
      const sessions = await client
        .db('admin')
        .aggregate([{ $listLocalSessions: { allUsers: true } }])
        .toArray();
      const ids = sessions.map((s) => s._id.id.toString('hex'));
      expect(ids).to.include(session.id!.id.toString('hex'));
      expect(sessions[0].lastUse).to.be.instanceOf(Date);
    } finally {
      await session.endSession();
    }
  });
});
