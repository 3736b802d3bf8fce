import { expect } from 'chai';
import { run } from '../../server/jobs/sale-start.job';
import { saleModel } from '../../server/ledger/sale.model';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('jobs: sale-start', () => {
  let t: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await t.stop();
  });

  it('announces a start once it has passed, once, by bumping version', async () => {
    const startsAt = new Date(t.clock.now().getTime() + 5000);
    const sale = await t.createSale(admin, { startsAt: startsAt.toISOString() });
    const sales = saleModel(t.connection);

    t.clock.set(new Date(startsAt.getTime() - 1));
    await run(t.deps);
    expect((await sales.findById(sale.id).lean())!.pendingStartAt?.toISOString()).to.equal(
      startsAt.toISOString(),
    );

    t.clock.set(startsAt);
    const [a, b] = await Promise.all([run(t.deps), run(t.deps)]);
    const doc = (await sales.findById(sale.id).lean())!;
    expect(doc.pendingStartAt).to.equal(null);
    expect(doc.version).to.equal(sale.version + 1);
    expect(a + b).to.equal(1);
    expect(await run(t.deps)).to.equal(0);
  });

  it('never opens a sale early and a missed run never blocks it: status follows the clock', async () => {
    const startsAt = new Date(t.clock.now().getTime() + 5000);
    const sale = await t.createSale(admin, { startsAt: startsAt.toISOString() });
    const user = await t.createUser();
    // The job ran "late" (never): the sale is still active at startsAt.
    t.clock.set(startsAt);
    expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.status).to.equal('active');
    expect((await t.buy(user, sale.id)).status).to.equal(201);
    // A job that wrongly believed the sale started cannot open a later round early.
    const later = new Date(startsAt.getTime() + 60_000);
    await saleModel(t.connection).updateOne(
      { _id: sale.id },
      { $set: { startsAt: later, pendingStartAt: null } },
    );
    const early = await t.buy(await t.createUser(), sale.id);
    expect(early.body.error.code).to.equal('SALE_NOT_STARTED');
  });
});
