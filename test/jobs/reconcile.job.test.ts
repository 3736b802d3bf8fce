import { expect } from 'chai';
import { Types } from 'mongoose';
import { run } from '../../server/jobs/reconcile.job';
import { purchaseModel } from '../../server/purchases/purchase.model';
import { saleModel } from '../../server/sales/sale.model';
import { TestApp, type TestUser } from '../helpers/app';

describe('jobs: reconcile', () => {
  let t: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await t.stop();
  });

  /** What the purchase update does, without the insert that a crash prevented. */
  async function commitWithoutInsert(saleId: string, user: TestUser, quantity: number, key?: string) {
    const id = new Types.ObjectId();
    const now = t.clock.now();
    const sale = (await saleModel(t.connection).findById(saleId).lean())!;
    const push: Record<string, unknown> = { [`seq.${sale.round}`]: id };
    if (key) push[`buyers.${user.id}.k`] = key;
    const after = await saleModel(t.connection)
      .findOneAndUpdate(
        { _id: saleId, round: sale.round, remaining: { $gte: quantity } },
        {
          $inc: {
            remaining: -quantity,
            sold: quantity,
            orders: 1,
            version: 1,
            [`buyers.${user.id}.q`]: quantity,
          },
          $set: {
            [`pending.${id.toHexString()}`]: {
              round: sale.round,
              userId: new Types.ObjectId(user.id),
              userName: user.name,
              quantity,
              at: now,
              ...(key ? { key } : {}),
            },
          },
          $push: push,
        },
        { returnDocument: 'after' },
      )
      .lean();
    return { id, position: after!.orders };
  }

  it('writes the purchase a crash lost, at its exact position, and empties the outbox', async () => {
    const sale = await t.createSale(admin, { units: 10, perUserLimit: 3, perOrderLimit: 3 });
    const before = await t.createUser();
    const crashed = await t.createUser();
    const afterwards = await t.createUser();
    expect((await t.buy(before, sale.id)).body.purchase.position).to.equal(1);
    const lost = await commitWithoutInsert(sale.id, crashed, 2, 'crash-key');
    expect(lost.position).to.equal(2);
    expect((await t.buy(afterwards, sale.id)).body.purchase.position).to.equal(3);

    // Too young: the request that made it may still be writing it.
    expect(await run(t.deps)).to.equal(0);
    t.clock.advance(2500);
    expect(await run(t.deps)).to.equal(1);

    const restored = (await purchaseModel(t.connection).findById(lost.id).lean())!;
    expect(restored).to.include({ position: 2, quantity: 2, round: 1, userName: crashed.name });
    expect(String(restored.userId)).to.equal(crashed.id);
    // Give the drain timer of the live purchases a moment, then nothing is pending.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const doc = (await saleModel(t.connection).findById(sale.id).lean())!;
    expect(doc.pending).to.deep.equal({});
    expect(doc.sold + doc.remaining).to.equal(doc.units);

    const board = await t.request('GET', `/api/sales/${sale.id}/leaderboard`);
    expect(board.body.items.map((i: { position: number }) => i.position)).to.deep.equal([1, 2, 3]);
    // Running again changes nothing.
    expect(await run(t.deps)).to.equal(0);
    expect(await purchaseModel(t.connection).countDocuments({ saleId: sale.id })).to.equal(3);
    // The crashed buyer repeating the key gets the restored purchase, not a second one.
    const replay = await t.buy(crashed, sale.id, { quantity: 2 }, { 'Idempotency-Key': 'crash-key' });
    expect(replay.status).to.equal(201);
    expect(replay.body.purchase).to.include({ id: lost.id.toHexString(), position: 2 });
  });

  it('lets a repeated key restore its lost purchase at once instead of waiting for the job', async () => {
    const sale = await t.createSale(admin, { units: 10 });
    const crashed = await t.createUser();
    const lost = await commitWithoutInsert(sale.id, crashed, 1, 'k-1');
    const replay = await t.buy(crashed, sale.id, {}, { 'Idempotency-Key': 'k-1' });
    expect(replay.status).to.equal(201);
    expect(replay.body.purchase).to.include({ id: lost.id.toHexString(), position: 1 });
    expect(replay.body.remaining).to.equal(9);
  });
});
