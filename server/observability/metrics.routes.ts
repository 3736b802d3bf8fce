import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import type { Metrics } from './metrics';
import { followMatchedRoute, routeLabelOf } from './route-label';

/** The contract's purchase route (from the route table): its answers are counted by outcome code as well. */
export const PURCHASE_ROUTE = { method: 'POST', path: routes.purchase.path } as const;

/** Codes that are the only one of their status on the purchase route, for answers the error handler did not tag. */
const CODE_BY_STATUS: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** The outcome of a purchase answer: CREATED, the code the error handler put in `res.locals.errorCode`, or one implied by the status. */
export function purchaseOutcomeOf(res: Response): string {
  if (res.locals.errorCode) return res.locals.errorCode;
  if (res.statusCode === 201) return 'CREATED';
  return CODE_BY_STATUS[res.statusCode] ?? (res.statusCode >= 500 ? 'INTERNAL_ERROR' : 'UNKNOWN');
}

/**
 * Times every request and records it by route and status when its answer is done. The route label is the route
 * Express matched, `req.baseUrl + req.route.path` (`/api/sales/:id`), or `unmatched` when none did (unknown URL,
 * 405, the docs UI's static files): never the URL, so label values stay bounded. Answers of the purchase route
 * also move `flashsale_purchases_total{code}` and the purchase latency histogram. Mount it before the routers.
 */
export function httpMetricsMiddleware(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    followMatchedRoute(req);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const route = routeLabelOf(req);
      metrics.observeHttpRequest(req.method, route, res.statusCode, seconds);
      if (req.method === PURCHASE_ROUTE.method && route === PURCHASE_ROUTE.path) {
        metrics.observePurchase(purchaseOutcomeOf(res), seconds);
      }
    });
    next();
  };
}

export interface MetricsRouterOptions {
  /**
   * When set, a scrape must send `Authorization: Bearer <token>` (Prometheus: `authorization` in the scrape
   * config); anything else is 401 UNAUTHENTICATED. Unset: public, so expose the port to the monitoring network
   * only.
   */
  token?: string;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  return timingSafeEqual(a, b);
}

/** `GET /metrics`: the Prometheus text format of this instance's registry. */
export function metricsRouter(metrics: Metrics, options: MetricsRouterOptions = {}): Router {
  const router = Router();
  const { token } = options;
  mountRoute(router, routes.metrics, {
    async handle(_input, req, res) {
      if (token !== undefined) {
        const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
        if (!match || !sameSecret(match[1], token)) throw new AppError('UNAUTHENTICATED');
      }
      const body = await metrics.render();
      res.setHeader('Content-Type', metrics.contentType);
      // Every scrape must see fresh values.
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    },
  });
  return router;
}
