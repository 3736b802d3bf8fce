import { expect } from 'chai';
import { Types } from 'mongoose';
import { run as runRestartJob } from '../../server/jobs/sale-restart.job';
import { SaleLedger } from '../../server/ledger';
import { purchaseModel } from '../../server/purchases/purchase.model';
import { RunningClock, TestApp, type Answer, type TestUser } from '@flash-sale/harness/app';

/** Every 201 of one buyer names the same purchase, and the buyer holds exactly that one purchase. */
async function expectOnePurchase(
  t: TestApp,
  saleId: string,
  user: TestUser,
  answers: Answer[],
): Promise<void> {
  const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.purchase.id as string));
  expect(ids.size, `${user.name}: ${[...ids].join(', ')}`).to.be.at.most(1);
  const held = await purchaseModel(t.connection)
    .find({ saleId: new Types.ObjectId(saleId), userId: new Types.ObjectId(user.id) }, { _id: 1 })
    .lean();
  expect(held.map((doc) => String(doc._id))).to.deep.equal([...ids]);
}

const forceRound = (t: TestApp, admin: TestUser, saleId: string) =>
  t.request('POST', `/api/sales/${saleId}/rounds`, {
    token: admin.token,
    body: { startsAt: new Date(Date.now() - 1000).toISOString(), force: true },
  });

/** A repeated Idempotency-Key never buys twice: in any round, while a round opens, on another instance. */
describe('ledger: idempotency per user and sale', () => {
  let t: TestApp;
  let other: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await TestApp.start({ clock: new RunningClock() });
    other = await t.addInstance();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await other.stop();
    await t.stop();
  });

  it('answers the first purchase to repeats racing an admin opening the next round (30 buyers)', async () => {
    const sale = await t.createSale(admin, { units: 1000, perUserLimit: 5, perOrderLimit: 5 });
    const buyers = await t.createUsers(30);
    const perBuyer = await Promise.all(
      buyers.map(async (buyer, i) => {
        const headers = { 'idempotency-key': `order-${i}` };
        const first = t.buy(buyer, sale.id, { quantity: 1 }, headers);
        // The round opens while the first request and its repeats are on their way.
        const opening = i % 3 === 0 ? forceRound(t, admin, sale.id) : Promise.resolve(null);
        const repeats = [
          t.buy(buyer, sale.id, { quantity: 1 }, headers),
          other.buy(buyer, sale.id, { quantity: 1 }, headers),
        ];
        await opening;
        const late = t.buy(buyer, sale.id, { quantity: 1 }, headers);
        return Promise.all([first, ...repeats, late]);
      }),
    );
    for (const [i, answers] of perBuyer.entries()) {
      // 503: the round changed under every attempt of that request (rounds open here many times a second).
      for (const answer of answers) expect([201, 503], answer.text).to.include(answer.status);
      expect(answers.some((a) => a.status === 201)).to.equal(true);
      await expectOnePurchase(t, sale.id, buyers[i], answers);
    }
  });

  it('answers the first purchase to repeats racing a schedule that opens rounds every second, on two instances', async () => {
    const sale = await t.createSale(admin, { units: 1000, restartSchedule: '* * * * * *' });
    const buyers = await t.createUsers(60);
    const deps = t.deps;
    const stop = Date.now() + 3000;
    const ticking = (async () => {
      let opened = 0;
      while (Date.now() < stop) {
        opened += await runRestartJob(deps);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return opened;
    })();
    const perBuyer = await Promise.all(
      buyers.map(async (buyer, i) => {
        const headers = { 'idempotency-key': `k-${i}` };
        const answers: Answer[] = [];
        for (let n = 0; n < 4; n += 1) {
          answers.push(
            ...(await Promise.all([
              t.buy(buyer, sale.id, {}, headers),
              other.buy(buyer, sale.id, {}, headers),
            ])),
          );
          await new Promise((resolve) => setTimeout(resolve, 5 + ((i * 37) % 400)));
        }
        return answers;
      }),
    );
    expect(await ticking).to.be.greaterThan(0);
    for (const [i, answers] of perBuyer.entries()) {
      expect(answers.some((a) => a.status === 201)).to.equal(true);
      await expectOnePurchase(t, sale.id, buyers[i], answers);
    }
  });

  it('answers the first purchase after its request died between its two writes, in a later round', async () => {
    const sale = await t.createSale(admin, { units: 10 });
    const buyer = await t.createUser();
    const key = 'x'.repeat(255);
    // The purchase path's first write only: the process "died" before inserting the purchase document.
    const purchaseId = new Types.ObjectId();
    const committed = await new SaleLedger(t.connection).commit({
      saleId: new Types.ObjectId(sale.id),
      round: 1,
      purchaseId,
      userId: new Types.ObjectId(buyer.id),
      userHex: buyer.id,
      userName: buyer.name,
      quantity: 1,
      perUserLimit: 1,
      idempotencyKey: key,
      now: t.clock.now(),
    });
    expect(committed?.position).to.equal(1);
    expect((await forceRound(t, admin, sale.id)).status).to.equal(201);

    const repeat = await other.buy(buyer, sale.id, {}, { 'idempotency-key': key });
    expect(repeat.status).to.equal(201);
    expect(repeat.body.purchase).to.include({ id: purchaseId.toHexString(), round: 1, position: 1 });
    const state = (await t.request('GET', `/api/sales/${sale.id}`)).body.sale;
    expect(state).to.include({ round: 2, sold: 0, remaining: 10 });
    // A new key buys in the new round as usual.
    const fresh = await t.buy(buyer, sale.id, {}, { 'idempotency-key': 'another' });
    expect(fresh.status).to.equal(201);
    expect(fresh.body.purchase).to.include({ round: 2, position: 1 });
  });
});
