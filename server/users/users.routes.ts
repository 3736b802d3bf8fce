import { Router, type RequestHandler } from 'express';
import Joi from 'joi';
import { identityOf } from '../http/auth';
import { validateQuery } from '../http/validate';
import type { PurchaseService } from '../purchases/purchases.service';

/** /api/users/me/*: the caller's own data. */
export function userRoutes(purchases: PurchaseService, authenticate: RequestHandler): Router {
  const router = Router();
  router.get('/me/purchases', authenticate, async (req, res) => {
    validateQuery(Joi.object({}), req.query);
    res.json({ items: await purchases.listForUser(identityOf(req).id) });
  });
  return router;
}
