import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import { mountRoute } from '../http/route';
import type { PurchaseService } from '../purchases/purchases.service';
import { routes } from '../routes';

/** The caller's own data (paths in the route table). */
export function userRoutes(purchases: PurchaseService, authenticate: RequestHandler): Router {
  const router = Router();
  mountRoute(router, routes.myPurchases, {
    authenticate,
    async handle(_input, req, res) {
      res.json({ items: await purchases.listForUser(identityOf(req).id) });
    },
  });
  return router;
}
