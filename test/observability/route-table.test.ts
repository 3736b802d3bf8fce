import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { Router } from 'express';
import {
  compilePattern,
  listAppRoutes,
  listMountedPrefixes,
  routePatternOf,
} from '../../server/observability';

/** An app shaped like the real one: routers mounted under prefixes, sharing a prefix, plus plain middleware. */
function buildApp() {
  const app = express();
  const seen: string[] = [];
  app.use((req, res, next) => {
    res.once('finish', () => seen.push(routePatternOf(req)));
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  const sales = Router();
  sales.get('/', (_req, res) => {
    res.json([]);
  });
  sales.get('/:id', (_req, res) => {
    res.json({});
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
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND' } });
  });
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

    it('lists plain middleware mounted under a path apart from routes', () => {
      expect(listMountedPrefixes(buildApp().app)).to.deep.equal(['/api/docs']);
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

  describe('routePatternOf', () => {
    it('labels requests with the route pattern, never the URL, and unknown URLs as unmatched', async () => {
      const { app, seen } = buildApp();
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // One at a time, each body read, so each answer is finished before the next request starts.
      const call = (path: string, method = 'GET') =>
        fetch(`${base}${path}`, { method }).then((r) => r.text());
      try {
        await call('/api/sales/65f0c0ffee0000000000abcd/purchases?secret=x', 'POST');
        await call('/api/sales/65f0c0ffee0000000000abcd/leaderboard');
        await call('/api/sales');
        await call('/api/docs/swagger-ui.css');
        await call('/no/such/page/12345');
        await call('/api/sales/1', 'DELETE');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      expect(seen).to.deep.equal([
        '/api/sales/:id/purchases',
        '/api/sales/:id/leaderboard',
        '/api/sales',
        '/api/docs/*',
        'unmatched',
        'unmatched',
      ]);
    });
  });
});
