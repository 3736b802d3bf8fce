import { expect } from 'chai';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import {
  getTestDatabase,
  type TestDatabase,
  checkLedger,
  leaderboardLedgerProblems,
  leaderboardProblems,
} from '@flash-sale/harness';

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

  it('catches a purchase time that steps back along the positions', async () => {
    const report = await ledger({ sold: 2, remaining: 8, orders: 2 }, [
      [0, 1, 1],
      [1, 1, 2],
    ]);
    expect(report.problems).to.deep.equal([]);
    const saleId = (await db.collection('sales').find().sort({ _id: -1 }).limit(1).next())!._id;
    await db
      .collection('purchases')
      .updateOne({ saleId, position: 1 }, { $set: { purchasedAt: new Date(2000) } });
    await db
      .collection('purchases')
      .updateOne({ saleId, position: 2 }, { $set: { purchasedAt: new Date(1000) } });
    expect((await checkLedger(db, saleId.toHexString())).problems).to.deep.equal([
      'purchasedAt steps back at position 2 by 1000 ms',
    ]);
  });

  it('catches a leaderboard that does not add up to sold, steps back in time or lists a user over the limit', () => {
    const item = (position: number, user: string, quantity: number, at: number) => ({
      position,
      user: { id: user },
      quantity,
      purchasedAt: new Date(at).toISOString(),
    });
    const exact = [item(1, 'u1', 2, 1000), item(2, 'u2', 1, 1000), item(3, 'u3', 1, 1500)];
    expect(leaderboardLedgerProblems(exact, { sold: 4, orders: 3, perUserLimit: 2 })).to.deep.equal([]);
    const broken = [item(1, 'u1', 2, 1000), item(2, 'u1', 1, 900)];
    expect(leaderboardLedgerProblems(broken, { sold: 4, orders: 2, perUserLimit: 2 })).to.deep.equal([
      'leaderboard adds up to 3, sold 4',
      'purchasedAt steps back at position 2 by 100 ms',
      'leaderboard: 1 users over the per-user limit of 2',
    ]);
  });

  it('catches duplicate and missing leaderboard positions', () => {
    expect(leaderboardProblems([1, 2, 3], 3)).to.deep.equal([]);
    expect(leaderboardProblems([1, 2, 2], 3)).to.have.length(2);
    expect(leaderboardProblems([1, 3], 2)).to.have.length(1);
    expect(leaderboardProblems([1, 2], 3)).to.have.length(1);
  });
});
