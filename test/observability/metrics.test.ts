import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { errorHandler } from '../../server/http/error-handler';
import { createMetrics, httpMetricsMiddleware, metricsRouter } from '../../server/observability';
import { captureLogger } from './log-capture';
import { sampleValue } from './prometheus-text';

describe('metrics', () => {
  describe('createMetrics', () => {
    it('gives each instance its own registry', async () => {
      const a = createMetrics({ defaultMetrics: false });
      const b = createMetrics({ defaultMetrics: false });
      a.observePurchase('CREATED', 0.01);
      expect(sampleValue(await a.render(), 'flashsale_purchases_total', { code: 'CREATED' })).to.equal(1);
      expect(sampleValue(await b.render(), 'flashsale_purchases_total', { code: 'CREATED' })).to.equal(0);
    });

    it('counts purchases by outcome code and times them by result', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      metrics.observePurchase('CREATED', 0.004);
      metrics.observePurchase('SOLD_OUT', 0.0005);
      metrics.observePurchase('SOLD_OUT', 0.0005);
      metrics.observePurchase('SERVICE_UNAVAILABLE', 2);
      const text = await metrics.render();
      expect(sampleValue(text, 'flashsale_purchases_total', { code: 'CREATED' })).to.equal(1);
      expect(sampleValue(text, 'flashsale_purchases_total', { code: 'SOLD_OUT' })).to.equal(2);
      expect(sampleValue(text, 'flashsale_purchase_duration_seconds_count', { result: 'created' })).to.equal(
        1,
      );
      expect(sampleValue(text, 'flashsale_purchase_duration_seconds_count', { result: 'refused' })).to.equal(
        2,
      );
      expect(sampleValue(text, 'flashsale_purchase_duration_seconds_count', { result: 'failed' })).to.equal(
        1,
      );
      expect(
        sampleValue(text, 'flashsale_purchase_duration_seconds_bucket', { result: 'created', le: '0.005' }),
      ).to.equal(1);
      expect(
        sampleValue(text, 'flashsale_purchase_duration_seconds_bucket', { result: 'created', le: '0.0025' }),
      ).to.equal(0);
    });

    it('keeps label values bounded whatever callers pass', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      metrics.observePurchase('<script>', 0.01);
      metrics.observeHttpRequest('BREW', '/x', 418, 0.01);
      metrics.observeChangeEvent('drop-everything');
      const text = await metrics.render();
      expect(sampleValue(text, 'flashsale_purchases_total', { code: 'INTERNAL_ERROR' })).to.equal(1);
      expect(sampleValue(text, 'flashsale_http_requests_total', { method: 'OTHER', status: '418' })).to.equal(
        1,
      );
      expect(sampleValue(text, 'flashsale_change_stream_events_total', { operation: 'other' })).to.equal(1);
      expect(text).not.to.include('<script>');
      expect(text).not.to.include('BREW');
    });

    it('measures change-stream lag from the event wall time', async () => {
      const metrics = createMetrics({
        defaultMetrics: false,
        now: () => Date.parse('2030-01-01T00:00:00.300Z'),
      });
      metrics.observeChangeEvent('update', new Date('2030-01-01T00:00:00.000Z'));
      metrics.observeChangeEvent('update', new Date('2030-01-01T00:00:01.000Z')); // clock skew: counts as 0
      metrics.observeChangeEvent('insert', null);
      const text = await metrics.render();
      expect(sampleValue(text, 'flashsale_change_stream_events_total', { operation: 'update' })).to.equal(2);
      expect(sampleValue(text, 'flashsale_change_stream_events_total', { operation: 'insert' })).to.equal(1);
      expect(sampleValue(text, 'flashsale_change_stream_lag_seconds_count')).to.equal(2);
      expect(sampleValue(text, 'flashsale_change_stream_lag_seconds_sum')).to.be.closeTo(0.3, 1e-9);
      expect(sampleValue(text, 'flashsale_change_stream_lag_seconds_bucket', { le: '0.25' })).to.equal(1);
      expect(sampleValue(text, 'flashsale_change_stream_lag_seconds_bucket', { le: '0.5' })).to.equal(2);
    });

    it('reads the socket and subscription gauges from their source at scrape time', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      expect(sampleValue(await metrics.render(), 'flashsale_sockets')).to.equal(0);
      let sockets = 3;
      metrics.observeLive({ sockets: () => sockets, subscriptions: () => 7 });
      expect(sampleValue(await metrics.render(), 'flashsale_sockets')).to.equal(3);
      sockets = 1;
      const text = await metrics.render();
      expect(sampleValue(text, 'flashsale_sockets')).to.equal(1);
      expect(sampleValue(text, 'flashsale_subscriptions')).to.equal(7);
    });

    it('includes the Node.js process metrics and event-loop lag by default', async () => {
      const text = await createMetrics().render();
      for (const name of [
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
      ]) {
        expect(text, name).to.match(new RegExp(`^${name} `, 'm'));
      }
    });
  });

  describe('GET /metrics and the HTTP middleware', () => {
    it('serves the text format and counts requests by route pattern', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const app = express();
      app.use(httpMetricsMiddleware(metrics));
      app.use(metricsRouter(metrics));
      app.post('/api/sales/:id/purchases', (req, res) => {
        if (req.params.id === 'gone') {
          res.locals.errorCode = 'SOLD_OUT';
          res.status(409).json({ error: { code: 'SOLD_OUT', message: 'Sold out' } });
          return;
        }
        res.status(201).json({});
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        await fetch(`${base}/api/sales/a1/purchases`, { method: 'POST' }).then((r) => r.text());
        await fetch(`${base}/api/sales/a2/purchases`, { method: 'POST' }).then((r) => r.text());
        await fetch(`${base}/api/sales/gone/purchases`, { method: 'POST' }).then((r) => r.text());
        const res = await fetch(`${base}/metrics`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        expect(sampleValue(text, 'flashsale_purchases_total', { code: 'CREATED' })).to.equal(2);
        expect(sampleValue(text, 'flashsale_purchases_total', { code: 'SOLD_OUT' })).to.equal(1);
        const route = { method: 'POST', route: '/api/sales/:id/purchases' };
        expect(sampleValue(text, 'flashsale_http_requests_total', { ...route, status: '201' })).to.equal(2);
        expect(sampleValue(text, 'flashsale_http_requests_total', { ...route, status: '409' })).to.equal(1);
        expect(text).not.to.include('a1');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('GET /metrics with a token', () => {
    it('answers 401 UNAUTHENTICATED without the right bearer token, and the metrics with it', async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const app = express();
      app.use(metricsRouter(metrics, { token: 'scrape-secret-0123456789' }));
      app.use(errorHandler(captureLogger().logger));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
      try {
        for (const authorization of [
          undefined,
          'Bearer wrong',
          'Bearer scrape-secret-01234567890',
          'Basic x',
        ]) {
          const res = await fetch(url, { headers: authorization ? { authorization } : {} });
          expect(res.status, String(authorization)).to.equal(401);
          expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('UNAUTHENTICATED');
        }
        const ok = await fetch(url, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
        expect(ok.status).to.equal(200);
        expect(await ok.text()).to.include('flashsale_purchases_total');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
