import { expect } from 'chai';
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

/** Every stage object in an explain output, however the server nests them (inputStage, queryPlan, stages). */
function stages(v: unknown, out: Document[] = []): Document[] {
  if (Array.isArray(v)) for (const x of v) stages(x, out);
  else if (v !== null && typeof v === 'object' && !(v instanceof ObjectId)) {
    const d = v as Document;
    if (typeof d.stage === 'string') out.push(d);
    for (const x of Object.values(d)) stages(x, out);
  }
  return out;
}

type Purchase = { _id: number; saleId: ObjectId; round: number; position: number };

/** explain through the driver names the index a query walks, as MongoDB's does. */
describe('embedded-mongo: explain', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let purchases: Collection<Purchase>;
  const saleId = new ObjectId();

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    purchases = client.db(db.dbName).collection<Purchase>('purchases');
    await purchases.insertMany(
      Array.from({ length: 500 }, (_, i) => ({ _id: i, saleId, round: 1 + (i % 2), position: i })),
    );
    await purchases.createIndex({ saleId: 1, round: 1, position: 1 }, { name: 'leaderboard', unique: true });
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  const page = { saleId, round: 1, position: { $gt: 100 } };

  it('shows IXSCAN on the leaderboard index for the leaderboard page as a find', async () => {
    const plan = await purchases.find(page).sort({ position: 1 }).limit(50).explain('queryPlanner');
    const scans = stages(plan.queryPlanner).filter((s) => s.stage === 'IXSCAN');
    expect(scans.map((s) => s.indexName)).to.include('leaderboard');
    expect(stages(plan.queryPlanner).some((s) => s.stage === 'COLLSCAN')).to.equal(false);
  });

  it('shows IXSCAN for the same page as an aggregate', async () => {
    const plan = await purchases
      .aggregate([{ $match: page }, { $sort: { position: 1 } }, { $limit: 50 }])
      .explain('queryPlanner');
    expect(stages(plan).some((s) => s.stage === 'IXSCAN' && s.indexName === 'leaderboard')).to.equal(true);
  });

  it('shows COLLSCAN when no index serves the filter', async () => {
    const plan = await purchases.find({ position: { $gt: 100 } }).explain('queryPlanner');
    const names = stages(plan.queryPlanner).map((s) => s.stage);
    expect(names).to.include('COLLSCAN');
    expect(names).to.not.include('IXSCAN');
  });
});
