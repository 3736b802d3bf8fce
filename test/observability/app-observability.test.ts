import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { io as connect, type Socket } from 'socket.io-client';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openConnection } from '../../server/db/connect';
import { TestApp, TEST_PASSWORD, type TestUser } from '@flash-sale/harness/app';
import { getTestDatabase } from '@flash-sale/harness';
import { captureLogger } from './log-capture';
import { sampleValue } from './prometheus-text';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Polls `/metrics` until `check` holds (change events and socket counts arrive asynchronously). */
async function metricsWhen(t: TestApp, check: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await t.request('GET', '/metrics')).text;
    if (check(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('observability of the app', () => {
  let t: TestApp;
  let admin: TestUser;

  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await t?.stop();
  });

  describe('GET /metrics', () => {
    it('moves flashsale_purchases_total{code="CREATED"} on a purchase and the code of a refused one', async () => {
      const sale = await t.createSale(admin, { units: 1 });
      const count = async (code: string) =>
        sampleValue((await t.request('GET', '/metrics')).text, 'flashsale_purchases_total', { code });
      const before = { created: await count('CREATED'), soldOut: await count('SOLD_OUT') };

      expect((await t.buy(await t.createUser(), sale.id)).status).to.equal(201);
      expect(await count('CREATED')).to.equal(before.created + 1);
      expect(await count('SOLD_OUT')).to.equal(before.soldOut);

      const refused = await t.buy(await t.createUser(), sale.id);
      expect(refused.body.error.code).to.equal('SOLD_OUT');
      expect(await count('SOLD_OUT')).to.equal(before.soldOut + 1);
      expect(await count('CREATED')).to.equal(before.created + 1);
    });

    it('counts refusals that never reach the purchase service: no token, bad body', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const text = () => t.request('GET', '/metrics').then((r) => r.text);
      const unauthenticated = sampleValue(await text(), 'flashsale_purchases_total', {
        code: 'UNAUTHENTICATED',
      });
      const invalid = sampleValue(await text(), 'flashsale_purchases_total', { code: 'VALIDATION_ERROR' });
      await t.request('POST', `/api/sales/${sale.id}/purchases`);
      await t.buy(await t.createUser(), sale.id, { quantity: 'many' });
      const after = await text();
      expect(sampleValue(after, 'flashsale_purchases_total', { code: 'UNAUTHENTICATED' })).to.equal(
        unauthenticated + 1,
      );
      expect(sampleValue(after, 'flashsale_purchases_total', { code: 'VALIDATION_ERROR' })).to.equal(
        invalid + 1,
      );
    });

    it('times purchases in flashsale_purchase_duration_seconds', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const before = sampleValue(
        (await t.request('GET', '/metrics')).text,
        'flashsale_purchase_duration_seconds_count',
        {
          result: 'created',
        },
      );
      await t.buy(await t.createUser(), sale.id);
      const text = (await t.request('GET', '/metrics')).text;
      expect(sampleValue(text, 'flashsale_purchase_duration_seconds_count', { result: 'created' })).to.equal(
        before + 1,
      );
    });

    it('counts change-stream events and their lag after a purchase', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const events = (text: string) =>
        sampleValue(text, 'flashsale_change_stream_events_total', { operation: 'update' });
      const lagCount = (text: string) => sampleValue(text, 'flashsale_change_stream_lag_seconds_count');
      const before = (await t.request('GET', '/metrics')).text;
      await t.buy(await t.createUser(), sale.id);
      const after = await metricsWhen(
        t,
        (text) => events(text) > events(before) && lagCount(text) > lagCount(before),
      );
      expect(events(after)).to.be.greaterThan(events(before));
      expect(lagCount(after)).to.be.greaterThan(lagCount(before));
    });

    it('reports open sockets and subscriptions', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const socket: Socket = connect(t.baseUrl, { transports: ['websocket'], reconnection: false });
      try {
        const ack = await socket.timeout(5000).emitWithAck('sale:subscribe', sale.id);
        expect(ack.ok).to.equal(true);
        const subscribed = await metricsWhen(t, (text) => sampleValue(text, 'flashsale_subscriptions') === 1);
        expect(sampleValue(subscribed, 'flashsale_sockets')).to.equal(1);
        expect(sampleValue(subscribed, 'flashsale_subscriptions')).to.equal(1);
      } finally {
        socket.disconnect();
      }
      const closed = await metricsWhen(t, (text) => sampleValue(text, 'flashsale_sockets') === 0);
      expect(sampleValue(closed, 'flashsale_sockets')).to.equal(0);
      expect(sampleValue(closed, 'flashsale_subscriptions')).to.equal(0);
    });

    it('labels HTTP requests by route pattern, never by id', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      await t.request('GET', `/api/sales/${sale.id}`);
      const text = (await t.request('GET', '/metrics')).text;
      expect(
        sampleValue(text, 'flashsale_http_requests_total', { route: '/api/sales/:id', status: '200' }),
      ).to.be.at.least(1);
      expect(text).not.to.include(sale.id);
    });

    it('exposes process metrics and event-loop lag', async () => {
      const text = (await t.request('GET', '/metrics')).text;
      expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
      expect(text).to.match(/^process_cpu_seconds_total /m);
    });
  });

  describe('X-Request-Id', () => {
    it('is echoed when the client sends one', async () => {
      const res = await t.request('GET', '/api/sales', { headers: { 'X-Request-Id': 'client-trace-123' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-request-id')).to.equal('client-trace-123');
    });

    it('is generated when absent, on success and on error answers alike', async () => {
      const ok = await t.request('GET', '/healthz');
      const notFound = await t.request('GET', '/api/nothing-here');
      const unauthenticated = await t.request('GET', '/api/auth/me');
      expect([ok.status, notFound.status, unauthenticated.status]).to.deep.equal([200, 404, 401]);
      const ids = [ok, notFound, unauthenticated].map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).to.match(UUID);
      expect(new Set(ids).size).to.equal(3);
    });
  });
});

describe('request log of the app', () => {
  const log = captureLogger('info');
  let app: App;
  let baseUrl: string;
  let release: () => Promise<void>;

  before(async () => {
    const db = await getTestDatabase();
    const connection = await openConnection(db.uri, db.dbName);
    app = await createApp({
      config: loadConfig({ NODE_ENV: 'test' }),
      connection,
      logger: log.logger,
      jobs: false,
    });
    await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
    release = async () => {
      await app.close();
      await connection.close();
      await db.stop();
    };
  });
  after(async () => {
    await release?.();
  });

  /** The access-log line of one request, found by the id the test gave it. */
  async function lineOf(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i += 1) {
      const entry = log.entries.find((e) => e.message === 'request' && e.requestId === id);
      if (entry) return entry;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no request log line for ${id}`);
  }

  it('writes one structured line per request, with the user id, and no body or secret', async () => {
    const email = 'grace@example.com';
    const password = 'cobol-is-not-a-secret?';
    const headers = { 'content-type': 'application/json' };
    const register = await fetch(`${baseUrl}/api/auth/register?invite=query-secret`, {
      method: 'POST',
      headers: { ...headers, 'X-Request-Id': 'log-1' },
      body: JSON.stringify({ name: 'Grace', email, password }),
    });
    expect(register.status).to.equal(201);
    const { token, user } = (await register.json()) as { token: string; user: { id: string } };
    const wrong = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { ...headers, 'X-Request-Id': 'log-2' },
      body: JSON.stringify({ email, password: TEST_PASSWORD }),
    });
    expect(wrong.status).to.equal(401);
    const me = await fetch(`${baseUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}`, 'X-Request-Id': 'log-3' },
    });
    expect(me.status).to.equal(200);

    expect(await lineOf('log-1')).to.include({ method: 'POST', route: '/api/auth/register', status: 201 });
    expect(await lineOf('log-2')).to.include({
      route: '/api/auth/login',
      status: 401,
      errorCode: 'INVALID_CREDENTIALS',
    });
    const line = await lineOf('log-3');
    expect(line).to.include({ method: 'GET', route: '/api/auth/me', status: 200, userId: user.id });
    expect(line.durationMs).to.be.a('number');
    expect(log.entries.filter((e) => e.requestId === 'log-3' && e.message === 'request')).to.have.length(1);

    const everything = log.lines.join('\n');
    for (const secret of [password, TEST_PASSWORD, token, token.split('.')[2], email, 'query-secret']) {
      expect(everything, secret).not.to.include(secret);
    }
  });
});
