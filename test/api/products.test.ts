import { expect } from 'chai';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('products', () => {
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

  describe('POST /api/products', () => {
    it('creates a product for an admin, with defaults', async () => {
      const res = await t.request('POST', '/api/products', {
        token: admin.token,
        body: { name: 'Lamp', price: 2500 },
      });
      expect(res.status).to.equal(201);
      expect(res.body.product).to.include({ name: 'Lamp', description: '', price: 2500, currency: 'USD' });
      expect(res.body.product.id).to.match(/^[0-9a-f]{24}$/);
    });

    it('is 401 without a token and 403 for a user', async () => {
      const anonymous = await t.request('POST', '/api/products', { body: { name: 'Lamp', price: 1 } });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.body.error.code).to.equal('UNAUTHENTICATED');
      const forbidden = await t.request('POST', '/api/products', {
        token: user.token,
        body: { name: 'L', price: 1 },
      });
      expect(forbidden.status).to.equal(403);
      expect(forbidden.body.error.code).to.equal('FORBIDDEN');
    });

    it('refuses wrong money, types, currencies, unknown fields and operators', async () => {
      const bodies = [
        { name: 'L', price: -1 },
        { name: 'L', price: 1.5 },
        { name: 'L', price: '100' },
        { name: 'L', price: { $gt: 0 } },
        { name: 'L', price: [100] },
        { name: 'L', price: 100, currency: 'usd' },
        { name: 'L', price: 100, stock: 5 },
        { price: 100 },
      ];
      for (const body of bodies) {
        const res = await t.request('POST', '/api/products', { token: admin.token, body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_ERROR');
        expect(res.body.error.details).to.be.an('array').with.length.greaterThan(0);
      }
    });
  });

  describe('GET /api/products', () => {
    it('lists products publicly and gets one by id', async () => {
      const created = await t.request('POST', '/api/products', {
        token: admin.token,
        body: { name: 'Chair', description: 'Oak', price: 9900, currency: 'EUR' },
      });
      const list = await t.request('GET', '/api/products');
      expect(list.status).to.equal(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).to.include(created.body.product.id);
      const one = await t.request('GET', `/api/products/${created.body.product.id}`);
      expect(one.status).to.equal(200);
      expect(one.body.product).to.deep.equal(created.body.product);
    });

    it('is 404 for unknown and malformed ids', async () => {
      for (const id of ['0123456789abcdef01234567', 'nope', '1', '%24where']) {
        const res = await t.request('GET', `/api/products/${id}`);
        expect(res.status, id).to.equal(404);
        expect(res.body.error.code).to.equal('NOT_FOUND');
      }
    });
  });
});
