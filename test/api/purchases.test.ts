import { expect } from 'chai';
import { saleModel } from '../../server/ledger/sale.model';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('purchases', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
    user = await t.createUser();
  });
  after(async () => {
    await t.stop();
  });

  describe('time gate (injected clock)', () => {
    it('refuses 1 ms before startsAt and accepts at startsAt', async () => {
      const startsAt = new Date(t.clock.now().getTime() + 60_000);
      const sale = await t.createSale(admin, { startsAt: startsAt.toISOString() });
      t.clock.set(new Date(startsAt.getTime() - 1));
      const early = await t.buy(user, sale.id);
      expect(early.status).to.equal(409);
      expect(early.body.error.code).to.equal('SALE_NOT_STARTED');
      expect(early.body.error.details).to.deep.equal({ startsAt: startsAt.toISOString() });
      t.clock.set(startsAt);
      const onTime = await t.buy(user, sale.id);
      expect(onTime.status).to.equal(201);
      expect(onTime.body.purchase.purchasedAt).to.equal(startsAt.toISOString());
    });
  });

  describe('POST /api/sales/:id/purchases', () => {
    it('answers the contract shape with position and remaining', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 3, perUserLimit: 3 });
      const res = await t.buy(user, sale.id, { quantity: 3 });
      expect(res.status).to.equal(201);
      expect(res.body.remaining).to.equal(7);
      expect(res.body.purchase).to.have.all.keys(
        'id',
        'saleId',
        'round',
        'productId',
        'quantity',
        'price',
        'currency',
        'purchasedAt',
        'position',
      );
      expect(res.body.purchase).to.deep.include({
        saleId: sale.id,
        round: 1,
        productId: sale.product.id,
        quantity: 3,
        price: 4900,
        currency: 'USD',
        position: 1,
      });
      const second = await t.buy(await t.createUser(), sale.id);
      expect(second.body.purchase.position).to.equal(2);
      expect(second.body.remaining).to.equal(6);
    });

    it('defaults quantity to 1 with no body or an empty object', async () => {
      const sale = await t.createSale(admin, { units: 10 });
      const none = await t.buy(user, sale.id);
      expect(none.status).to.equal(201);
      expect(none.body.purchase.quantity).to.equal(1);
      const empty = await t.buy(await t.createUser(), sale.id, {});
      expect(empty.body.purchase.quantity).to.equal(1);
    });

    it('refuses invalid quantities with 400 VALIDATION_ERROR', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 5, perUserLimit: 5 });
      for (const body of [
        { quantity: 0 },
        { quantity: -1 },
        { quantity: 1.5 },
        { quantity: '1' },
        { quantity: [1] },
        { quantity: { $gt: 0 } },
        { quantity: null },
        { quantity: 1, userId: user.id },
        [{ quantity: 1 }],
      ]) {
        const res = await t.buy(user, sale.id, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_ERROR');
      }
      const after = await t.request('GET', `/api/sales/${sale.id}`);
      expect(after.body.sale.remaining).to.equal(10);
    });

    it('refuses ORDER_LIMIT_EXCEEDED above perOrderLimit', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 5 });
      const res = await t.buy(user, sale.id, { quantity: 3 });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('ORDER_LIMIT_EXCEEDED');
    });

    it('refuses USER_LIMIT_REACHED past perUserLimit in the round', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 3 });
      expect((await t.buy(user, sale.id, { quantity: 2 })).status).to.equal(201);
      const over = await t.buy(user, sale.id, { quantity: 2 });
      expect(over.status).to.equal(409);
      expect(over.body.error.code).to.equal('USER_LIMIT_REACHED');
      expect((await t.buy(user, sale.id, { quantity: 1 })).status).to.equal(201);
      expect((await t.buy(user, sale.id, { quantity: 1 })).body.error.code).to.equal('USER_LIMIT_REACHED');
    });

    it('refuses INSUFFICIENT_STOCK with details.remaining, then SOLD_OUT', async () => {
      const sale = await t.createSale(admin, { units: 3, perOrderLimit: 2, perUserLimit: 2 });
      expect((await t.buy(user, sale.id, { quantity: 2 })).status).to.equal(201);
      const short = await t.buy(await t.createUser(), sale.id, { quantity: 2 });
      expect(short.status).to.equal(409);
      expect(short.body.error.code).to.equal('INSUFFICIENT_STOCK');
      expect(short.body.error.details).to.deep.equal({ remaining: 1 });
      expect((await t.buy(await t.createUser(), sale.id)).status).to.equal(201);
      const out = await t.buy(await t.createUser(), sale.id);
      expect(out.status).to.equal(409);
      expect(out.body.error.code).to.equal('SOLD_OUT');
    });

    it('is 404 for unknown and malformed sale ids, 401 without a valid token', async () => {
      expect((await t.buy(user, '0123456789abcdef01234567')).status).to.equal(404);
      expect((await t.buy(user, 'not-an-id')).body.error.code).to.equal('NOT_FOUND');
      const sale = await t.createSale(admin);
      const anonymous = await t.request('POST', `/api/sales/${sale.id}/purchases`, { body: {} });
      expect(anonymous.status).to.equal(401);
      const forged = await t.request('POST', `/api/sales/${sale.id}/purchases`, {
        token: `${user.token.slice(0, -4)}AAAA`,
      });
      expect(forged.status).to.equal(401);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a repeated key with the first answer and buys nothing more', async () => {
      const sale = await t.createSale(admin, { units: 10, perUserLimit: 3 });
      const headers = { 'Idempotency-Key': 'order-1' };
      const first = await t.buy(user, sale.id, {}, headers);
      const again = await t.buy(user, sale.id, {}, headers);
      expect(first.status).to.equal(201);
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.remaining).to.equal(9);
      // Another key is another purchase; the same key of another user is that user's.
      expect(
        (await t.buy(user, sale.id, {}, { 'Idempotency-Key': 'order-2' })).body.purchase.position,
      ).to.equal(2);
      const other = await t.buy(await t.createUser(), sale.id, {}, headers);
      expect(other.body.purchase.id).not.to.equal(first.body.purchase.id);
    });

    it('makes one purchase from 20 concurrent repeats, all answered identically', async () => {
      const sale = await t.createSale(admin, { units: 10, perUserLimit: 5 });
      const headers = { 'Idempotency-Key': 'concurrent-key' };
      const answers = await Promise.all(Array.from({ length: 20 }, () => t.buy(user, sale.id, {}, headers)));
      for (const answer of answers) {
        expect(answer.status).to.equal(201);
        expect(answer.body).to.deep.equal(answers[0].body);
      }
      const state = (await t.request('GET', `/api/sales/${sale.id}`)).body.sale;
      expect(state).to.include({ sold: 1, remaining: 9 });
      const mine = await t.request('GET', '/api/users/me/purchases', { token: user.token });
      expect(mine.body.items.filter((p: { saleId: string }) => p.saleId === sale.id)).to.have.length(1);
    });

    it('replays the first answer even after the round sold out', async () => {
      const sale = await t.createSale(admin, { units: 1 });
      const headers = { 'Idempotency-Key': 'last-one' };
      const first = await t.buy(user, sale.id, {}, headers);
      const again = await t.buy(user, sale.id, {}, headers);
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
    });

    it('refuses a malformed key', async () => {
      const sale = await t.createSale(admin);
      const res = await t.buy(user, sale.id, {}, { 'Idempotency-Key': 'x'.repeat(256) });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    });
  });

  describe('GET /api/users/me/purchases', () => {
    it("lists the caller's purchases, newest first, and nobody else's", async () => {
      const buyer = await t.createUser();
      const sale = await t.createSale(admin, { units: 10, perUserLimit: 2 });
      await t.buy(buyer, sale.id);
      t.clock.advance(1000);
      await t.buy(buyer, sale.id);
      await t.buy(await t.createUser(), sale.id);
      const res = await t.request('GET', '/api/users/me/purchases', { token: buyer.token });
      expect(res.status).to.equal(200);
      expect(res.body.items).to.have.length(2);
      expect(res.body.items[0].position).to.equal(2);
      expect(res.body.items[1].position).to.equal(1);
      expect((await t.request('GET', '/api/users/me/purchases')).status).to.equal(401);
    });
  });

  describe('rounds and purchases in flight', () => {
    it('never lands a purchase decided for an old round in the new one', async () => {
      const sale = await t.createSale(admin, { units: 2, perUserLimit: 2, perOrderLimit: 2 });
      // This process caches round 1, then an admin opens round 2 behind its back.
      expect((await t.buy(user, sale.id)).body.purchase.round).to.equal(1);
      await saleModel(t.connection).updateOne(
        { _id: sale.id },
        { $set: { round: 2, remaining: 2, sold: 0, orders: 0, buyers: {} }, $inc: { version: 1 } },
      );
      const res = await t.buy(user, sale.id, { quantity: 2 });
      expect(res.status).to.equal(201);
      expect(res.body.purchase).to.include({ round: 2, position: 1 });
      expect(res.body.remaining).to.equal(0);
    });
  });
});

describe('purchase rate limit', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start({ env: { PURCHASE_RATE_LIMIT: '2' } });
  });
  after(async () => {
    await t.stop();
  });

  it('answers 429 RATE_LIMITED with Retry-After past PURCHASE_RATE_LIMIT calls per user per second', async () => {
    const admin = await t.createUser({ role: 'admin' });
    const sale = await t.createSale(admin, { units: 100, perUserLimit: 100 });
    const user = await t.createUser();
    const other = await t.createUser();
    const answers = await Promise.all([1, 2, 3].map(() => t.buy(user, sale.id)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).to.deep.equal([201, 201, 429]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.error.code).to.equal('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).to.equal('1');
    // Per user: someone else is not affected.
    expect((await t.buy(other, sale.id)).status).to.equal(201);
  });
});
