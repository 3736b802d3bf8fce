import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { Router, type ErrorRequestHandler } from 'express';
import {
  allowedMethodsOf,
  compilePattern,
  followMatchedRoute,
  listAppRoutes,
  routeLabelOf,
} from '../../server/observability';

/** An app shaped like the real one: routers mounted under prefixes, sharing a prefix, plus plain middleware. */
function buildApp() {
  const app = express();
  const seen: string[] = [];
  app.use((req, res, next) => {
    followMatchedRoute(req);
    res.once('finish', () => seen.push(routeLabelOf(req)));
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  const sales = Router();
  sales.get('/', (_req, res) => {
    res.json([]);
  });
  sales.get('/:id', (req) => {
    // The error leaves the router: Express resets req.baseUrl to '' before the app's error handler runs.
    throw new Error(`no sale ${req.params.id}`);
  });
  sales.post('/:id/purchases', (_req, res) => {
    res.status(201).json({});
  });
  const leaderboard = Router();
  leaderboard.get('/:id/leaderboard', (_req, res) => {
    res.json({});
  });
  app.use('/api/sales', leaderboard);
  app.use('/api/sales', sales);
  app.use('/api/docs', (_req, res) => {
    res.send('docs');
  });
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', allow: allowedMethodsOf(req) } });
  });
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ error: { code: 'INTERNAL_ERROR' } });
  };
  app.use(onError);
  return { app, seen };
}

describe('route table', () => {
  describe('listAppRoutes', () => {
    it('lists the routes of nested routers with their full patterns', () => {
      const { app } = buildApp();
      expect(listAppRoutes(app)).to.deep.equal([
        { method: 'GET', path: '/healthz' },
        { method: 'GET', path: '/api/sales/:id/leaderboard' },
        { method: 'GET', path: '/api/sales' },
        { method: 'GET', path: '/api/sales/:id' },
        { method: 'POST', path: '/api/sales/:id/purchases' },
      ]);
    });
  });

  describe('compilePattern', () => {
    it('matches a parameter segment, case-insensitively and with a trailing slash', () => {
      const re = compilePattern('/api/sales/:id/purchases');
      expect(re.test('/api/sales/abc/purchases')).to.equal(true);
      expect(re.test('/API/Sales/abc/purchases/')).to.equal(true);
      expect(re.test('/api/sales/a/b/purchases')).to.equal(false);
      expect(re.test('/api/sales//purchases')).to.equal(false);
    });

    it('treats regular-expression characters in literal text literally', () => {
      expect(compilePattern('/api/openapi.json').test('/api/openapiXjson')).to.equal(false);
    });
  });

  describe('routeLabelOf', () => {
    it("labels requests with Express's matched route (baseUrl + route.path), never the URL", async () => {
      const { app, seen } = buildApp();
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // One at a time, each body read, so each answer is finished before the next request starts.
      const call = (path: string, method = 'GET') =>
        fetch(`${base}${path}`, { method }).then(async (r) => ({ status: r.status, body: await r.text() }));
      const statuses: number[] = [];
      try {
        for (const [path, method] of [
          ['/api/sales/65f0c0ffee0000000000abcd/purchases?secret=x', 'POST'],
          ['/api/sales/65f0c0ffee0000000000abcd/leaderboard', 'GET'],
          ['/api/sales', 'GET'],
          ['/api/sales/65f0c0ffee0000000000abcd', 'GET'],
          ['/api/docs/swagger-ui.css', 'GET'],
          ['/no/such/page/12345', 'GET'],
          ['/api/sales/1', 'DELETE'],
        ]) {
          statuses.push((await call(path, method)).status);
        }
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      expect(statuses).to.deep.equal([201, 200, 200, 500, 200, 404, 404]);
      expect(seen).to.deep.equal([
        '/api/sales/:id/purchases',
        '/api/sales/:id/leaderboard',
        '/api/sales',
        // Labelled when the route matched, so an error answered outside the router keeps its full route.
        '/api/sales/:id',
        // Plain middleware is not a route.
        'unmatched',
        'unmatched',
        'unmatched',
      ]);
    });

    it('reads req.baseUrl + req.route.path as they are when the request was not followed', () => {
      const req = { baseUrl: '/api/sales', route: { path: '/:id' } } as unknown as express.Request;
      expect(routeLabelOf(req)).to.equal('/api/sales/:id');
      expect(routeLabelOf({ baseUrl: '' } as express.Request)).to.equal('unmatched');
    });
  });

  describe('allowedMethodsOf', () => {
    it('lists the methods served at a known path, HEAD with GET, and none at an unknown one', async () => {
      const { app } = buildApp();
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const allowOf = async (path: string) =>
          (
            (await (await fetch(`${base}${path}`, { method: 'PUT' })).json()) as {
              error: { allow: string[] };
            }
          ).error.allow;
        expect((await allowOf('/api/sales/x/purchases')).sort()).to.deep.equal(['POST']);
        expect((await allowOf('/api/sales')).sort()).to.deep.equal(['GET', 'HEAD']);
        expect(await allowOf('/nothing')).to.deep.equal([]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
