import { expect } from 'chai';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from '../helpers/db';
import { checkLedger, leaderboardProblems } from './ledger';

/** The crash and fault tests are only as good as their checks: these show each check catching a broken ledger. */
describe('ledger checks', () => {
  let database: TestDatabase;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    database = await getTestDatabase();
    client = await new MongoClient(database.uri).connect();
    db = client.db(database.dbName);
  });
  after(async () => {
    await client?.close();
    await database?.stop();
  });

  /** A sale with `purchases` (user index, quantity, position) in round 1. */
  async function ledger(sale: Record<string, unknown>, purchases: [number, number, number][]) {
    const saleId = new ObjectId();
    const users = [new ObjectId(), new ObjectId(), new ObjectId()];
    await db.collection('sales').insertOne({
      _id: saleId,
      round: 1,
      units: 10,
      perUserLimit: 2,
      pending: {},
      ...sale,
    });
    if (purchases.length > 0) {
      await db.collection('purchases').insertMany(
        purchases.map(([user, quantity, position]) => ({
          saleId,
          round: 1,
          userId: users[user],
          quantity,
          position,
        })),
      );
    }
    return checkLedger(db, saleId.toHexString());
  }

  it('passes an exact ledger', async () => {
    const report = await ledger({ sold: 3, remaining: 7, orders: 2 }, [
      [0, 2, 1],
      [1, 1, 2],
    ]);
    expect(report.problems).to.deep.equal([]);
  });

  it('catches stock that does not add up, missing documents, gaps, users over the limit and a full outbox', async () => {
    const report = await ledger({ sold: 5, remaining: 6, orders: 3, pending: { a: {} } }, [
      [0, 2, 1],
      [0, 2, 3],
    ]);
    expect(report.problems.join('\n'))
      .to.contain('sold 5 + remaining 6 != units 10')
      .and.contain('2 purchase documents, 3 orders')
      .and.contain('purchases add up to 4, sold 5')
      .and.contain('positions are not exactly 1..orders')
      .and.contain('1 users over the per-user limit of 2')
      .and.contain('1 outbox entries left');
  });

  it('catches duplicate and missing leaderboard positions', () => {
    expect(leaderboardProblems([1, 2, 3], 3)).to.deep.equal([]);
    expect(leaderboardProblems([1, 2, 2], 3)).to.have.length(2);
    expect(leaderboardProblems([1, 3], 2)).to.have.length(1);
    expect(leaderboardProblems([1, 2], 3)).to.have.length(1);
  });
});
