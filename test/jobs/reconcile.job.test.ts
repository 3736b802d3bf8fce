import { expect } from 'chai';
import { Types } from 'mongoose';
import { run } from '../../server/jobs/reconcile.job';
import { purchaseModel } from '../../server/purchases/purchase.model';
import { SaleLedger } from '../../server/ledger';
import { saleModel } from '../../server/ledger/sale.model';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

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

  /** What the purchase path's ledger step does, without the insert that a crash prevented. */
  async function commitWithoutInsert(saleId: string, user: TestUser, quantity: number, key?: string) {
    const id = new Types.ObjectId();
    const sale = (await saleModel(t.connection).findById(saleId).lean())!;
    const committed = await new SaleLedger(t.connection).commit({
      saleId: sale._id,
      round: sale.round,
      purchaseId: id,
      userId: new Types.ObjectId(user.id),
      userHex: user.id,
      userName: user.name,
      quantity,
      perUserLimit: sale.perUserLimit,
      idempotencyKey: key,
      now: t.clock.now(),
    });
    return { id, position: committed!.position, purchasedAt: committed!.purchasedAt };
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
    expect(doc.seq).to.deep.equal([]);
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

  it('restores several lost purchases of a round, interleaved with recorded and in-flight ones, exactly', async () => {
    const sale = await t.createSale(admin, { units: 20 });
    const users = await t.createUsers(7);
    const positionOf = async (user: TestUser) => (await t.buy(user, sale.id)).body.purchase.position;
    expect(await positionOf(users[0])).to.equal(1);
    const a = await commitWithoutInsert(sale.id, users[1], 1);
    expect(await positionOf(users[2])).to.equal(3);
    const b = await commitWithoutInsert(sale.id, users[3], 1);
    t.clock.advance(1500);
    const young = await commitWithoutInsert(sale.id, users[4], 1);
    expect(await positionOf(users[5])).to.equal(6);
    expect([a.position, b.position, young.position]).to.deep.equal([2, 4, 5]);

    t.clock.advance(1000);
    expect(await run(t.deps)).to.equal(2);
    const byId = async (id: Types.ObjectId) =>
      (await purchaseModel(t.connection).findById(id).lean())?.position;
    expect(await byId(a.id)).to.equal(2);
    expect(await byId(b.id)).to.equal(4);
    expect(await byId(young.id)).to.equal(undefined);

    t.clock.advance(1000);
    expect(await run(t.deps)).to.equal(1);
    expect(await byId(young.id)).to.equal(5);
    const board = await t.request('GET', `/api/sales/${sale.id}/leaderboard`);
    expect(board.body.items.map((i: { user: { id: string } }) => i.user.id)).to.deep.equal(
      users.slice(0, 6).map((u) => u.id),
    );
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
