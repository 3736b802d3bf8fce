import { RACE_WINDOW_MS } from '../../server/ledger';
import { expect } from 'chai';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('sales', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let productId: string;
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
    user = await t.createUser();
    const product = await t.request('POST', '/api/products', {
      token: admin.token,
      body: { name: 'Sneakers', price: 12_000, currency: 'EUR' },
    });
    productId = product.body.product.id;
  });
  after(async () => {
    await t.stop();
  });

  const inOneHour = () => new Date(t.clock.now().getTime() + 3_600_000).toISOString();

  describe('POST /api/sales', () => {
    it('creates a sale with the contract defaults', async () => {
      const startsAt = inOneHour();
      const res = await t.request('POST', '/api/sales', {
        token: admin.token,
        body: { productId, price: 4900, startsAt },
      });
      expect(res.status).to.equal(201);
      const sale = res.body.sale;
      expect(sale).to.have.all.keys(
        'id',
        'product',
        'price',
        'currency',
        'units',
        'remaining',
        'sold',
        'round',
        'status',
        'startsAt',
        'nextRoundAt',
        'perOrderLimit',
        'perUserLimit',
        'restartSchedule',
        'promoCondition',
        'version',
        'serverTime',
      );
      expect(sale).to.deep.include({
        product: { id: productId, name: 'Sneakers' },
        price: 4900,
        currency: 'EUR',
        units: 200,
        remaining: 200,
        sold: 0,
        round: 1,
        status: 'scheduled',
        startsAt,
        perOrderLimit: 1,
        perUserLimit: 1,
        restartSchedule: null,
        promoCondition: null,
        serverTime: t.clock.now().toISOString(),
      });
    });

    it('accepts every optional field', async () => {
      const res = await t.request('POST', '/api/sales', {
        token: admin.token,
        body: {
          productId,
          price: 0,
          units: 5,
          startsAt: '2020-01-01T00:00:00Z',
          perOrderLimit: 2,
          perUserLimit: 3,
          restartSchedule: '*/5 * * * *',
          promoCondition: { name: 'Launch', description: 'first week' },
        },
      });
      expect(res.status).to.equal(201);
      expect(res.body.sale).to.deep.include({
        units: 5,
        status: 'active',
        perOrderLimit: 2,
        perUserLimit: 3,
        restartSchedule: '*/5 * * * *',
        promoCondition: { name: 'Launch', description: 'first week' },
        startsAt: '2020-01-01T00:00:00.000Z',
      });
    });

    it('refuses invalid fields, listing them all', async () => {
      const res = await t.request('POST', '/api/sales', {
        token: admin.token,
        body: {
          productId: 'xyz',
          price: -5,
          units: 0,
          startsAt: 'tomorrow',
          perOrderLimit: 1.5,
          perUserLimit: '2',
          restartSchedule: 'every minute',
          promoCondition: ['Launch'],
          extra: true,
        },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.have.members([
        'productId',
        'price',
        'units',
        'startsAt',
        'perOrderLimit',
        'perUserLimit',
        'restartSchedule',
        'promoCondition',
        'extra',
      ]);
    });

    it('refuses units above 1,000,000 and operator objects', async () => {
      for (const body of [
        { productId, price: 1, startsAt: inOneHour(), units: 1_000_001 },
        { productId: { $ne: null }, price: 1, startsAt: inOneHour() },
        { productId, price: 1, startsAt: { $gt: '' } },
      ]) {
        const res = await t.request('POST', '/api/sales', { token: admin.token, body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
    });

    it('is 404 for an unknown product, 401 anonymous and 403 for a user', async () => {
      const body = { productId: '0123456789abcdef01234567', price: 1, startsAt: inOneHour() };
      expect((await t.request('POST', '/api/sales', { token: admin.token, body })).status).to.equal(404);
      expect((await t.request('POST', '/api/sales', { body })).status).to.equal(401);
      expect((await t.request('POST', '/api/sales', { token: user.token, body })).status).to.equal(403);
    });
  });

  describe('client times', () => {
    const invalid = [
      '2031-02-30T10:00:00Z',
      '2031-01-01T00:00:00',
      '2031-06-31T10:00:00Z',
      '2030-02-29T10:00:00Z',
      '2031-01-01T24:00:00Z',
      '2031-01-01T10:60:00Z',
      '2031-01-01',
      '2031-01-01T10:00:00+25:00',
      '1 January 2031',
    ];

    it('refuses a startsAt without an offset or that is not a real calendar instant, sale or round', async () => {
      const sale = await t.createSale(admin);
      const salesBefore = (await t.request('GET', '/api/sales')).body.items.length;
      for (const startsAt of invalid) {
        const created = await t.request('POST', '/api/sales', {
          token: admin.token,
          body: { productId, price: 1, startsAt },
        });
        expect(created.status, startsAt).to.equal(400);
        expect(created.body.error.code).to.equal('VALIDATION_ERROR');
        expect(created.body.error.details[0].path, startsAt).to.equal('startsAt');
        const round = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
          token: admin.token,
          body: { startsAt, force: true },
        });
        expect(round.status, startsAt).to.equal(400);
        expect(round.body.error.code).to.equal('VALIDATION_ERROR');
      }
      expect((await t.request('GET', '/api/sales')).body.items).to.have.length(salesBefore);
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.round).to.equal(1);
    });

    it('reads an offset as the instant it names, and a leap day as a real day', async () => {
      for (const [startsAt, utc] of [
        ['2032-02-29T12:00:00+05:30', '2032-02-29T06:30:00.000Z'],
        ['2031-12-31T23:30:00-01:00', '2032-01-01T00:30:00.000Z'],
        ['2031-03-01T10:00Z', '2031-03-01T10:00:00.000Z'],
      ]) {
        const res = await t.request('POST', '/api/sales', {
          token: admin.token,
          body: { productId, price: 1, startsAt },
        });
        expect(res.status, startsAt).to.equal(201);
        expect(res.body.sale.startsAt).to.equal(utc);
      }
    });
  });

  describe('status', () => {
    it('is derived from the clock and the stock, not from any job', async () => {
      const startsAt = new Date(t.clock.now().getTime() + 1000);
      const sale = await t.createSale(admin, { startsAt: startsAt.toISOString(), units: 1 });
      expect(sale.status).to.equal('scheduled');
      t.clock.set(new Date(startsAt.getTime() - 1));
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.status).to.equal('scheduled');
      t.clock.set(startsAt);
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.status).to.equal('active');
      expect((await t.buy(user, sale.id)).status).to.equal(201);
      const after = (await t.request('GET', `/api/sales/${sale.id}`)).body.sale;
      expect(after).to.include({ status: 'sold_out', remaining: 0, sold: 1 });
      expect(after.version).to.be.greaterThan(sale.version);
    });
  });

  describe('GET /api/sales', () => {
    it('filters by derived status', async () => {
      const scheduled = await t.createSale(admin, { startsAt: inOneHour() });
      const active = await t.createSale(admin, { startsAt: t.clock.now().toISOString() });
      const byStatus = async (status: string) =>
        (await t.request('GET', `/api/sales?status=${status}`)).body.items.map((s: { id: string }) => s.id);
      expect(await byStatus('scheduled'))
        .to.include(scheduled.id)
        .and.not.include(active.id);
      expect(await byStatus('active'))
        .to.include(active.id)
        .and.not.include(scheduled.id);
      const all = (await t.request('GET', '/api/sales')).body.items;
      for (const sale of all) expect(sale.sold + sale.remaining).to.equal(sale.units);
    });

    it('refuses an unknown status or query field', async () => {
      for (const query of ['status=open', 'status[$ne]=x', 'page=2', 'status=active&status=scheduled']) {
        const res = await t.request('GET', `/api/sales?${query}`);
        expect(res.status, query).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_ERROR');
      }
    });

    it('is 404 for unknown and malformed ids', async () => {
      for (const id of ['0123456789abcdef01234567', 'abc', '0123456789abcdef0123456z']) {
        const res = await t.request('GET', `/api/sales/${id}`);
        expect(res.status, id).to.equal(404);
        expect(res.body.error.code).to.equal('NOT_FOUND');
      }
    });
  });

  describe('POST /api/sales/:id/rounds', () => {
    it('refuses ROUND_IN_PROGRESS while active and not sold out, unless forced', async () => {
      const sale = await t.createSale(admin, { units: 3 });
      const startsAt = t.clock.now().toISOString();
      const refused = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
        token: admin.token,
        body: { startsAt },
      });
      expect(refused.status).to.equal(409);
      expect(refused.body.error.code).to.equal('ROUND_IN_PROGRESS');
      expect((await t.buy(user, sale.id)).status).to.equal(201);
      const forced = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
        token: admin.token,
        body: { startsAt, force: true, units: 4 },
      });
      expect(forced.status).to.equal(201);
      expect(forced.body.sale).to.include({ round: 2, units: 4, remaining: 4, sold: 0, status: 'active' });
      expect(forced.body.sale.version).to.be.greaterThan(sale.version);
      // The per-user tally starts again: the same user may buy in the new round.
      const again = await t.buy(user, sale.id);
      expect(again.status).to.equal(201);
      expect(again.body.purchase).to.include({ round: 2, position: 1 });
    });

    it('opens the next round once the current one is sold out, or replaces a scheduled one', async () => {
      const sale = await t.createSale(admin, { units: 1 });
      expect((await t.buy(user, sale.id)).status).to.equal(201);
      const next = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
        token: admin.token,
        body: { startsAt: inOneHour() },
      });
      expect(next.status).to.equal(201);
      expect(next.body.sale).to.include({ round: 2, status: 'scheduled', remaining: 1 });
      // A later request (opens closer than the race window are the same intent).
      t.clock.advance(RACE_WINDOW_MS);
      const replaced = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
        token: admin.token,
        body: { startsAt: t.clock.now().toISOString() },
      });
      expect(replaced.status).to.equal(201);
      expect(replaced.body.sale).to.include({ round: 3, status: 'active' });
    });

    it('validates, and is 404 / 401 / 403 as expected', async () => {
      const sale = await t.createSale(admin);
      const path = `/api/sales/${sale.id}/rounds`;
      const bad = await t.request('POST', path, {
        token: admin.token,
        body: { startsAt: 'x', force: 'yes', units: -1 },
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.have.members([
        'startsAt',
        'force',
        'units',
      ]);
      const body = { startsAt: inOneHour() };
      expect(
        (await t.request('POST', '/api/sales/0123456789abcdef01234567/rounds', { token: admin.token, body }))
          .status,
      ).to.equal(404);
      expect(
        (await t.request('POST', '/api/sales/bad/rounds', { token: admin.token, body })).status,
      ).to.equal(404);
      expect((await t.request('POST', path, { body })).status).to.equal(401);
      expect((await t.request('POST', path, { token: user.token, body })).status).to.equal(403);
    });
  });
});
