import { expect } from 'chai';
import type { Application } from 'express';
import { buildOpenApiDocument } from '../../server/openapi';
import type { OperationObject } from '../../server/openapi/types';
import { listAppRoutes } from '../../server/observability';
import { TestApp, type Answer, type TestUser } from '@flash-sale/harness/app';
import { ResponseValidator } from './response-validator';

/**
 * The Express app of the running app. Socket.IO takes over the HTTP server's 'request' listeners, so the app
 * exposes it as `App.express`.
 */
function expressAppOf(app: TestApp['app']): Application {
  const express = (app as { express?: Application }).express;
  if (!express) throw new Error('App.express is not exposed: the route inventory cannot be read');
  return express;
}

/** `/api/sales/:id` -> `/api/sales/{id}`. */
const toTemplate = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('OpenAPI', () => {
  const doc = buildOpenApiDocument();
  let t: TestApp;

  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t?.stop();
  });

  describe('route inventory', () => {
    it('documents every route of the app, and no route the app does not have', () => {
      const inApp = listAppRoutes(expressAppOf(t.app)).map((r) => `${r.method} ${toTemplate(r.path)}`);
      const inDoc = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(inApp.length).to.be.greaterThan(10);
      const missingFromDoc = inApp.filter((r) => !inDoc.includes(r));
      const missingFromApp = inDoc.filter((r) => !inApp.includes(r));
      expect({ missingFromDoc, missingFromApp }).to.deep.equal({ missingFromDoc: [], missingFromApp: [] });
    });
  });

  describe('GET /api/openapi.json', () => {
    it('serves the document', async () => {
      const res = await t.request('GET', '/api/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.body).to.deep.equal(JSON.parse(JSON.stringify(doc)));
    });
  });

  describe('GET /api/docs', () => {
    it('redirects to the folder so the page finds its assets', async () => {
      const res = await fetch(`${t.baseUrl}/api/docs`, { redirect: 'manual' });
      expect(res.status).to.equal(301);
      expect(res.headers.get('location')).to.equal('/api/docs/');
    });

    it('answers 200 HTML that loads only same-origin scripts, so helmet CSP needs no exception', async () => {
      const res = await t.request('GET', '/api/docs/');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.text).to.include('id="swagger-ui"');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.include("script-src 'self'");
      const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).to.be.greaterThan(0);
      for (const [, attributes, inline] of scripts) {
        expect(attributes).to.match(/src="\.\/[\w.-]+\.js"/);
        expect(inline.trim()).to.equal('');
      }
    });

    it('serves the UI assets and an init script that reads /api/openapi.json', async () => {
      const init = await t.request('GET', '/api/docs/swagger-ui-init.js');
      expect(init.status).to.equal(200);
      expect(init.headers.get('content-type')).to.match(/javascript/);
      expect(init.text).to.include('"swaggerUrl": "/api/openapi.json"');
      const bundle = await fetch(`${t.baseUrl}/api/docs/swagger-ui-bundle.js`);
      expect(bundle.status).to.equal(200);
      await bundle.arrayBuffer();
    });
  });

  describe('answers of the running app', () => {
    const validator = new ResponseValidator(doc);
    let admin: TestUser;

    /** Calls the app and checks the answer against the document's response for that path template. */
    async function call(method: string, template: string, path: string, options = {}): Promise<Answer> {
      const res = await t.request(method, path, options);
      validator.assert(method.toLowerCase(), template, res.status, res.body);
      return res;
    }

    before(async () => {
      admin = await t.createUser({ role: 'admin' });
    });

    it('match the document for accounts', async () => {
      const body = { name: 'Ada', email: 'ada@example.com', password: 'analytical engine' };
      const registered = await call('POST', '/api/auth/register', '/api/auth/register', { body });
      expect(registered.status).to.equal(201);
      expect((await call('POST', '/api/auth/register', '/api/auth/register', { body })).status).to.equal(409);
      const extra = { ...body, email: 'eve@example.com', role: 'admin' };
      expect(
        (await call('POST', '/api/auth/register', '/api/auth/register', { body: extra })).status,
      ).to.equal(400);
      const big = { raw: JSON.stringify({ ...body, name: 'x'.repeat(64 * 1024) }) };
      expect((await call('POST', '/api/auth/register', '/api/auth/register', big)).status).to.equal(413);
      const wrong = { email: body.email, password: 'not the password' };
      expect((await call('POST', '/api/auth/login', '/api/auth/login', { body: wrong })).status).to.equal(
        401,
      );
      const login = await call('POST', '/api/auth/login', '/api/auth/login', {
        body: { email: body.email, password: body.password },
      });
      expect(login.status).to.equal(200);
      const me = await call('GET', '/api/auth/me', '/api/auth/me', { token: login.body.token });
      expect(me.status).to.equal(200);
      expect((await call('GET', '/api/auth/me', '/api/auth/me')).status).to.equal(401);
    });

    it('match the document for products and sales', async () => {
      const user = await t.createUser();
      const product = await call('POST', '/api/products', '/api/products', {
        token: admin.token,
        body: { name: 'Lamp', price: 2500 },
      });
      expect(product.status).to.equal(201);
      const asUser = { token: user.token, body: { name: 'Lamp', price: 2500 } };
      expect((await call('POST', '/api/products', '/api/products', asUser)).status).to.equal(403);
      expect((await call('GET', '/api/products', '/api/products')).status).to.equal(200);
      const id = product.body.product.id;
      expect((await call('GET', '/api/products/{id}', `/api/products/${id}`)).status).to.equal(200);
      expect((await call('GET', '/api/products/{id}', '/api/products/nope')).status).to.equal(404);

      const startsAt = t.clock.now().toISOString();
      const sale = await call('POST', '/api/sales', '/api/sales', {
        token: admin.token,
        body: { productId: id, price: 1000, units: 5, startsAt, promoCondition: { name: 'Launch' } },
      });
      expect(sale.status).to.equal(201);
      const saleId = sale.body.sale.id;
      expect((await call('GET', '/api/sales', '/api/sales?status=active')).status).to.equal(200);
      expect((await call('GET', '/api/sales', '/api/sales?status=bogus')).status).to.equal(400);
      expect((await call('GET', '/api/sales/{id}', `/api/sales/${saleId}`)).status).to.equal(200);
      const rounds = `/api/sales/${saleId}/rounds`;
      const busy = await call('POST', '/api/sales/{id}/rounds', rounds, {
        token: admin.token,
        body: { startsAt },
      });
      expect(busy.status).to.equal(409);
      const forced = { token: admin.token, body: { startsAt, force: true, units: 3 } };
      expect((await call('POST', '/api/sales/{id}/rounds', rounds, forced)).status).to.equal(201);
    });

    it('match the document for purchases and the leaderboard', async () => {
      const [first, second] = [await t.createUser(), await t.createUser()];
      const sale = await t.createSale(admin, { units: 1 });
      const purchases = `/api/sales/${sale.id}/purchases`;
      const template = '/api/sales/{id}/purchases';
      const bought = await call('POST', template, purchases, {
        token: first.token,
        headers: { 'Idempotency-Key': 'order-1' },
      });
      expect(bought.status).to.equal(201);
      const sold = await call('POST', template, purchases, { token: second.token });
      expect(sold.status).to.equal(409);
      expect(sold.body.error.code).to.equal('SOLD_OUT');
      const zero = await call('POST', template, purchases, { token: second.token, body: { quantity: 0 } });
      expect(zero.status).to.equal(400);
      expect((await call('POST', template, purchases)).status).to.equal(401);

      const later = await t.createSale(admin, {
        startsAt: new Date(t.clock.now().getTime() + 60_000).toISOString(),
      });
      const early = await call('POST', template, `/api/sales/${later.id}/purchases`, { token: first.token });
      expect(early.body.error.code).to.equal('SALE_NOT_STARTED');

      const mine = await call('GET', '/api/users/me/purchases', '/api/users/me/purchases', {
        token: first.token,
      });
      expect(mine.status).to.equal(200);
      expect(mine.body.items).to.have.length(1);

      const board = `/api/sales/${sale.id}/leaderboard`;
      const page = await call('GET', '/api/sales/{id}/leaderboard', `${board}?limit=10`);
      expect(page.status).to.equal(200);
      expect(page.body.items).to.have.length(1);
      expect((await call('GET', '/api/sales/{id}/leaderboard', `${board}?limit=0`)).status).to.equal(400);
    });

    it('match the document for health, readiness and metrics', async () => {
      expect((await call('GET', '/healthz', '/healthz')).status).to.equal(200);
      expect((await call('GET', '/readyz', '/readyz')).status).to.equal(200);
      const metrics = await t.request('GET', '/metrics');
      expect(metrics.status).to.equal(200);
      const documented = (doc.paths['/metrics'].get as OperationObject).responses['200'];
      const types = Object.keys((documented as { content: object }).content);
      expect(metrics.headers.get('content-type')).to.satisfy((type: string) =>
        types.some((documentedType) => type.startsWith(documentedType)),
      );
    });
  });

  describe('answers when rate limited', () => {
    it('are 429 RATE_LIMITED with Retry-After, as documented', async () => {
      const limited = await TestApp.start({ env: { AUTH_RATE_LIMIT: '1' } });
      try {
        const validator = new ResponseValidator(doc);
        const body = { email: 'nobody@example.com', password: 'whatever1' };
        await limited.request('POST', '/api/auth/login', { body });
        const res = await limited.request('POST', '/api/auth/login', { body });
        expect(res.status).to.equal(429);
        validator.assert('post', '/api/auth/login', 429, res.body);
        expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
      } finally {
        await limited.stop();
      }
    });
  });
});
