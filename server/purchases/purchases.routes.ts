import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import type { RateLimits } from '../http/rate-limits';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import { parsePurchaseBody } from './purchases.schemas';
import type { PurchaseService } from './purchases.service';

/** Purchases of a sale (path in the route table): authenticated, rate limited per user. */
export function purchaseRoutes(
  purchases: PurchaseService,
  authenticate: RequestHandler,
  limits: RateLimits,
): Router {
  const router = Router();
  // A call the live cache refuses as sold out is counted per process only: it costs no database round trip.
  const limiter = limits.purchase((req) =>
    purchases.refusesFromMemory(String(req.params.id), req.headers['idempotency-key'] !== undefined),
  );
  mountRoute(router, routes.purchase, {
    authenticate,
    after: limiter,
    parseBody: parsePurchaseBody,
    async handle({ params, body, headers }, req, res) {
      const answer = await purchases.buy({
        buyer: identityOf(req),
        saleId: params.id,
        saleHex: params.id.toHexString(),
        quantity: body.quantity,
        idempotencyKey: headers['Idempotency-Key'],
      });
      res.status(201).json(answer);
    },
  });
  return router;
}
