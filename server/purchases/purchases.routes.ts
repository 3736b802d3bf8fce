import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import { parsePathId } from '../http/ids';
import type { RateLimits } from '../http/rate-limits';
import { parseIdempotencyKey, parseQuantity } from './purchases.schemas';
import type { PurchaseService } from './purchases.service';

/** POST /api/sales/:id/purchases: authenticated, rate limited per user. */
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
  router.post('/:id/purchases', authenticate, ...limiter, async (req, res) => {
    const saleId = parsePathId(req.params.id);
    const answer = await purchases.buy({
      buyer: identityOf(req),
      saleId,
      saleHex: saleId.toHexString(),
      quantity: parseQuantity(req.body),
      idempotencyKey: parseIdempotencyKey(req.headers['idempotency-key']),
    });
    res.status(201).json(answer);
  });
  return router;
}
