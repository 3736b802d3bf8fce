import { Router, type RequestHandler } from 'express';
import type { Clock } from '../clock';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import { toSaleView } from './sale.view';
import type { SalesService } from './sales.service';

/** Sales (paths in the route table): reads are public; creating a sale and opening a round need an admin. */
export function saleRoutes(sales: SalesService, authenticate: RequestHandler, clock: Clock): Router {
  const router = Router();

  mountRoute(router, routes.createSale, {
    authenticate,
    async handle({ body }, _req, res) {
      const sale = await sales.create(body);
      res.status(201).json({ sale: toSaleView(sale, clock.now()) });
    },
  });

  mountRoute(router, routes.listSales, {
    async handle({ query }, _req, res) {
      const page = await sales.list(query);
      const now = clock.now();
      res.json({ items: page.items.map((sale) => toSaleView(sale, now)), nextCursor: page.nextCursor });
    },
  });

  mountRoute(router, routes.getSale, {
    async handle({ params }, _req, res) {
      const sale = await sales.get(params.id);
      res.json({ sale: toSaleView(sale, clock.now()) });
    },
  });

  // The arrival time is read before authentication: racing opens are judged by when they reached the server.
  const arrival: RequestHandler = (_req, res, next) => {
    res.locals.receivedAt = clock.now();
    next();
  };
  mountRoute(router, routes.openRound, {
    before: [arrival],
    authenticate,
    async handle({ params, body }, _req, res) {
      const sale = await sales.openRound(params.id, body, res.locals.receivedAt as Date);
      res.status(201).json({ sale: toSaleView(sale, clock.now()) });
    },
  });

  return router;
}
