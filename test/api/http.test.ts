import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import helmet from 'helmet';
import { HELMET_OPTIONS } from '../../server/http/security-headers';
import { TestApp } from '@flash-sale/harness/app';

describe('HTTP layer', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.stop();
  });

  describe('health', () => {
    it('GET /healthz is 200 and GET /readyz is 200 while the database answers', async () => {
      expect((await t.request('GET', '/healthz')).status).to.equal(200);
      const ready = await t.request('GET', '/readyz');
      expect(ready.status).to.equal(200);
    });
  });

  describe('unknown routes', () => {
    it('are 404 NOT_FOUND in the error shape', async () => {
      for (const [method, path] of [
        ['GET', '/api/nope'],
        ['DELETE', '/api/nothing/here'],
        ['GET', '/api/sales/0123456789abcdef01234567/nothing'],
      ]) {
        const res = await t.request(method, path);
        expect(res.status, path).to.equal(404);
        expect(res.body.error.code).to.equal('NOT_FOUND');
      }
    });
  });

  describe('bodies', () => {
    it('answers malformed JSON with 400 VALIDATION_ERROR', async () => {
      const res = await t.request('POST', '/api/auth/login', { raw: '{"email": ' });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'x'.repeat(40_000), email: 'big@example.com', password: 'longenough' },
      });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('never leaks a stack trace', async () => {
      const res = await t.request('POST', '/api/auth/login', { raw: '{"email": "a", ]' });
      expect(res.text).not.to.match(/at .*\.(ts|js):\d+|node_modules|SyntaxError/);
      expect(Object.keys(res.body.error)).to.have.members(['code', 'message']);
    });
  });

  describe('media types', () => {
    it('answers a purchase sent as text/plain or form-encoded with 415 and buys nothing', async () => {
      const admin = await t.createUser({ role: 'admin' });
      const user = await t.createUser();
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 5, perUserLimit: 5 });
      for (const [type, raw] of [
        ['text/plain', '{"quantity":3}'],
        ['application/x-www-form-urlencoded', 'quantity=3'],
        ['application/json; charset=latin-9', '{"quantity":3}'],
      ]) {
        const res = await t.request('POST', `/api/sales/${sale.id}/purchases`, {
          token: user.token,
          raw,
          headers: { 'content-type': type },
        });
        expect(res.status, type).to.equal(415);
        expect(res.body.error.code, type).to.equal('UNSUPPORTED_MEDIA_TYPE');
      }
      const noType = await fetch(`${t.baseUrl}/api/sales/${sale.id}/purchases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}` },
        body: new Uint8Array(Buffer.from('{"quantity":3}')),
      });
      expect(noType.status).to.equal(415);
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.sold).to.equal(0);
      // Without a body, no type is needed: the contract's default quantity of 1.
      const bare = await t.request('POST', `/api/sales/${sale.id}/purchases`, { token: user.token });
      expect(bare.status).to.equal(201);
      expect(bare.body.purchase.quantity).to.equal(1);
    });
  });

  describe('prototype keys', () => {
    it('refuses __proto__, constructor and prototype keys like unknown fields, at any depth', async () => {
      const admin = await t.createUser({ role: 'admin' });
      const user = await t.createUser();
      const sale = await t.createSale(admin, { units: 10 });
      const salesBefore = (await t.request('GET', '/api/sales')).body.items.length;
      const cases: [string, string, string | undefined, string][] = [
        ['POST', `/api/sales/${sale.id}/purchases`, user.token, '{"__proto__":{"quantity":1}}'],
        ['POST', `/api/sales/${sale.id}/purchases`, user.token, '{"quantity":1,"constructor":{}}'],
        [
          'POST',
          '/api/auth/register',
          undefined,
          '{"name":"A","email":"p@example.com","password":"longenough","__proto__":{"role":"admin"}}',
        ],
        ['POST', '/api/products', admin.token, '{"name":"K","price":1,"prototype":1}'],
      ];
      for (const [method, path, token, raw] of cases) {
        const res = await t.request(method, path, { token, raw });
        expect(res.status, raw).to.equal(400);
        expect(res.body.error.code, raw).to.equal('VALIDATION_ERROR');
        expect(
          res.body.error.details.map((d: { type: string }) => d.type),
          raw,
        ).to.include('object.unknown');
      }
      const nested = await t.request('POST', '/api/sales', {
        token: admin.token,
        raw: JSON.stringify({
          productId: sale.product.id,
          price: 1,
          startsAt: '2031-01-01T00:00:00Z',
        }).replace('}', ',"promoCondition":{"name":"x","__proto__":{"admin":true}}}'),
      });
      expect(nested.status).to.equal(400);
      expect(nested.body.error.details.map((d: { path: string }) => d.path)).to.include(
        'promoCondition.__proto__',
      );
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.sold).to.equal(0);
      expect((await t.request('GET', '/api/sales')).body.items).to.have.length(salesBefore);
    });
  });

  describe('methods and headers', () => {
    it('answers 405 METHOD_NOT_ALLOWED with Allow for a known path and a method it does not serve', async () => {
      const id = '0123456789abcdef01234567';
      for (const [method, path, allow] of [
        ['PUT', `/api/sales/${id}`, 'GET, HEAD'],
        ['DELETE', `/api/sales/${id}`, 'GET, HEAD'],
        ['DELETE', '/api/products', 'POST, GET, HEAD'],
        ['PUT', '/api/auth/login', 'POST'],
        ['GET', `/api/sales/${id}/purchases`, 'POST'],
        ['PATCH', '/healthz', 'GET, HEAD'],
      ]) {
        const res = await t.request(method, path);
        expect(res.status, `${method} ${path}`).to.equal(405);
        expect(res.body.error.code).to.equal('METHOD_NOT_ALLOWED');
        expect(res.headers.get('allow')?.split(', ').sort(), `${method} ${path}`).to.deep.equal(
          allow.split(', ').sort(),
        );
      }
    });

    it('answers headers over the limit with 431 HEADERS_TOO_LARGE in the JSON error shape', async () => {
      const res = await t.request('GET', '/api/products', { headers: { 'x-pad': 'a'.repeat(20_000) } });
      expect(res.status).to.equal(431);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.body).to.deep.equal({
        error: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
      });
      expect((await t.request('GET', '/api/products')).status).to.equal(200);
    });
  });

  describe('demo page', () => {
    it('is served at / with the Socket.IO client next to it', async () => {
      const page = await t.request('GET', '/');
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/text\/html/);
      const client = await t.request('GET', '/socket.io/socket.io.js');
      expect(client.status).to.equal(200);
    });
  });

  describe('headers', () => {
    it('sets helmet headers and hides the framework', async () => {
      const res = await t.request('GET', '/healthz');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('content-security-policy')).to.be.a('string');
      expect(res.headers.get('x-powered-by')).to.equal(null);
    });

    it("sets exactly helmet's own headers (computed once) on every answer, errors included", async () => {
      const reference = express();
      reference.use(helmet(HELMET_OPTIONS));
      reference.get('/', (_req, res) => {
        res.end();
      });
      const server = reference.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        const expected = await fetch(`http://127.0.0.1:${port}/`);
        const names = [...expected.headers.keys()].filter(
          (name) => !['date', 'connection', 'keep-alive', 'content-length', 'x-powered-by'].includes(name),
        );
        expect(names).to.include.members(['content-security-policy', 'strict-transport-security']);
        for (const path of ['/healthz', '/api/nothing-here']) {
          const res = await t.request('GET', path);
          for (const name of names) expect(res.headers.get(name), name).to.equal(expected.headers.get(name));
        }
      } finally {
        server.close();
      }
    });
  });
});
