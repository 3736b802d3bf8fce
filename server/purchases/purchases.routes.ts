import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import { parsePathId } from '../http/ids';
import { parseIdempotencyKey, parseQuantity } from './purchases.schemas';
import type { PurchaseService } from './purchases.service';

/** POST /api/sales/:id/purchases: authenticated, rate limited per user. */
export function purchaseRoutes(
  purchases: PurchaseService,
  authenticate: RequestHandler,
  limiter: RequestHandler,
): Router {
  const router = Router();
  router.post('/:id/purchases', authenticate, limiter, async (req, res) => {
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
