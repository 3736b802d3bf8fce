import { expect } from 'chai';
import { run } from '../../server/jobs/sale-restart.job';
import { nextFiring } from '../../server/ledger';
import { saleModel } from '../../server/ledger/sale.model';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('jobs: sale-restart', () => {
  let t: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await t.stop();
  });

  it('finds the next firing of a UTC cron expression, strictly after the instant', () => {
    expect(nextFiring('*/5 * * * *', new Date('2030-01-01T12:05:03.500Z')).toISOString()).to.equal(
      '2030-01-01T12:10:00.000Z',
    );
    expect(nextFiring('*/5 * * * *', new Date('2030-01-01T12:05:00.000Z')).toISOString()).to.equal(
      '2030-01-01T12:10:00.000Z',
    );
    expect(nextFiring('0 0 12 * * *', new Date('2030-01-01T12:00:00.000Z')).toISOString()).to.equal(
      '2030-01-02T12:00:00.000Z',
    );
    expect(nextFiring('*/10 * * * * *', new Date('2030-01-01T12:00:01.000Z')).toISOString()).to.equal(
      '2030-01-01T12:00:10.000Z',
    );
  });

  it('opens one round per firing even when two runs race, resetting the inventory', async () => {
    t.clock.set('2030-01-01T12:00:30.000Z');
    const sale = await t.createSale(admin, { units: 5, restartSchedule: '*/5 * * * *' });
    const user = await t.createUser();
    expect((await t.buy(user, sale.id)).status).to.equal(201);

    t.clock.set('2030-01-01T12:05:00.200Z');
    const [a, b] = await Promise.all([run(t.deps), run(t.deps)]);
    expect(a + b).to.equal(1);
    const state = (await t.request('GET', `/api/sales/${sale.id}`)).body.sale;
    expect(state).to.include({
      round: 2,
      remaining: 5,
      sold: 0,
      status: 'active',
      startsAt: '2030-01-01T12:05:00.000Z',
    });
    // The same firing seen again (a late tick) opens nothing more.
    t.clock.set('2030-01-01T12:05:04.000Z');
    expect(await run(t.deps)).to.equal(0);
    expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.round).to.equal(2);
    // The next firing opens the next round.
    t.clock.set('2030-01-01T12:10:01.000Z');
    expect(await run(t.deps)).to.equal(1);
    expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.round).to.equal(3);
  });

  it('does nothing before the current round has started', async () => {
    t.clock.set('2030-01-02T12:00:30.000Z');
    const sale = await t.createSale(admin, {
      startsAt: '2030-01-02T13:00:00.000Z',
      restartSchedule: '*/5 * * * *',
    });
    t.clock.set('2030-01-02T12:05:00.000Z');
    await run(t.deps);
    const doc = (await saleModel(t.connection).findById(sale.id).lean())!;
    expect(doc.round).to.equal(1);
    expect(doc.startsAt.toISOString()).to.equal('2030-01-02T13:00:00.000Z');
  });
});
