import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import { isSafeRequestId, requestId, requestLogger } from '../../server/observability';
import { captureLogger, type CapturedLogger } from './log-capture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SECRET_PASSWORD = 'correct horse battery staple';
const SECRET_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-token-payload.signature';

/** Stands in for `authenticate`: sets the verified identity the way the real middleware does. */
const fakeAuthenticate: RequestHandler = (req, _res, next) => {
  (req as { identity?: object }).identity = { id: '65f0c0ffee0000000000abcd', name: 'Ada', role: 'user' };
  next();
};

describe('request id and request log', () => {
  let server: Server;
  let base: string;
  let log: CapturedLogger;

  before(async () => {
    log = captureLogger();
    const app = express();
    app.use(requestId());
    app.use(requestLogger(log.logger));
    app.use(express.json());
    app.post('/api/auth/login', (_req, res) => {
      res.json({ token: SECRET_TOKEN });
    });
    app.get('/api/sales/:id', fakeAuthenticate, (_req, res) => {
      res.json({ echoed: res.locals.requestId });
    });
    // Stands in for express.static: answers a file without a route.
    app.use((req, res, next) => {
      if (req.path === '/app.js') res.type('js').send('export {};');
      else next();
    });
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    log.entries.length = 0;
    log.lines.length = 0;
  });

  /** Waits for the log line of the request with this id (it is written when the response closes). */
  async function lineOf(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i += 1) {
      const entry = log.entries.find((e) => e.requestId === id);
      if (entry) return entry;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no log line for request ${id}`);
  }

  describe('X-Request-Id', () => {
    it('echoes a valid id given by the client, and exposes it to handlers', async () => {
      const res = await fetch(`${base}/api/sales/65f0c0ffee0000000000abcd`, {
        headers: { 'X-Request-Id': 'edge-proxy:42/7' },
      });
      expect(res.headers.get('x-request-id')).to.equal('edge-proxy:42/7');
      expect(await res.json()).to.deep.equal({ echoed: 'edge-proxy:42/7' });
    });

    it('generates a UUID when the request has none', async () => {
      const res = await fetch(`${base}/healthz`);
      expect(res.headers.get('x-request-id')).to.match(UUID);
    });

    it('replaces an id that is too long or has unsafe characters', async () => {
      for (const bad of ['x'.repeat(129), 'two words', 'a"b', 'line\tbreak', '<script>']) {
        const res = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': bad } });
        expect(res.headers.get('x-request-id'), bad).to.match(UUID);
      }
      const longest = 'y'.repeat(128);
      const res = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': longest } });
      expect(res.headers.get('x-request-id')).to.equal(longest);
    });

    it('accepts only the safe charset', () => {
      expect(isSafeRequestId('abc-DEF_123.4:5@6/7+8=9')).to.equal(true);
      expect(isSafeRequestId('')).to.equal(false);
      expect(isSafeRequestId('a\nb')).to.equal(false);
      expect(isSafeRequestId(['a'])).to.equal(false);
    });
  });

  describe('the request log line', () => {
    it('has method, route pattern, status, duration, request id and the user id', async () => {
      const res = await fetch(`${base}/api/sales/65f0c0ffee0000000000abcd?limit=5`, {
        headers: { 'X-Request-Id': 'req-1' },
      });
      expect(res.status).to.equal(200);
      const line = await lineOf('req-1');
      expect(line).to.include({
        message: 'request',
        level: 'info',
        method: 'GET',
        route: '/api/sales/:id',
        status: 200,
        userId: '65f0c0ffee0000000000abcd',
      });
      expect(line.durationMs).to.be.a('number').and.to.be.at.least(0);
    });

    it('never contains the body, the token, headers or the query string', async () => {
      const res = await fetch(`${base}/api/auth/login?apiKey=query-secret`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${SECRET_TOKEN}`,
          'X-Request-Id': 'req-2',
        },
        body: JSON.stringify({ email: 'ada@example.com', password: SECRET_PASSWORD }),
      });
      expect(res.status).to.equal(200);
      const line = await lineOf('req-2');
      expect(line).to.include({ method: 'POST', route: '/api/auth/login', status: 200 });
      const raw = log.lines.join('\n');
      for (const secret of [
        SECRET_PASSWORD,
        SECRET_TOKEN,
        'ada@example.com',
        'query-secret',
        'apiKey',
        'Bearer',
      ]) {
        expect(raw, secret).not.to.include(secret);
      }
    });

    it('labels an unknown URL as unmatched and logs its path, never its query string', async () => {
      await fetch(`${base}/wp-admin/setup.php?token=query-secret`, { headers: { 'X-Request-Id': 'req-3' } });
      const line = await lineOf('req-3');
      expect(line).to.include({
        level: 'info',
        route: 'unmatched',
        status: 404,
        path: '/wp-admin/setup.php',
      });
      expect(log.lines.join('\n')).not.to.include('query-secret');
    });

    it('bounds the logged path of a 404', async () => {
      await fetch(`${base}/${'a'.repeat(5000)}`, { headers: { 'X-Request-Id': 'req-5' } });
      const line = await lineOf('req-5');
      expect(String(line.path)).to.have.length(201).and.match(/…$/);
    });

    it('logs files served without a route (static assets) at debug', async () => {
      await fetch(`${base}/app.js`, { headers: { 'X-Request-Id': 'req-6' } });
      expect(await lineOf('req-6')).to.include({ level: 'debug', route: 'unmatched', status: 200 });
      expect(await lineOf('req-6')).not.to.have.property('path');
    });

    it('logs health probes at debug, below the default level', async () => {
      await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'req-4' } });
      expect(await lineOf('req-4')).to.include({ level: 'debug', route: '/healthz' });
    });
  });
});
