import { Router, type RequestHandler } from 'express';
import type { Clock } from '../clock';
import { requireAdmin } from '../http/auth';
import { parsePathId } from '../http/ids';
import { validateBody, validateQuery } from '../http/validate';
import { toSaleView } from './sale.view';
import { createSaleSchema, listSalesSchema, openRoundSchema } from './sales.schemas';
import type { SalesService } from './sales.service';

/** /api/sales: reads are public; creating a sale and opening a round need an admin. */
export function saleRoutes(sales: SalesService, authenticate: RequestHandler, clock: Clock): Router {
  const router = Router();

  router.post('/', authenticate, requireAdmin, async (req, res) => {
    const sale = await sales.create(validateBody(createSaleSchema, req.body));
    res.status(201).json({ sale: toSaleView(sale, clock.now()) });
  });

  router.get('/', async (req, res) => {
    const page = await sales.list(validateQuery(listSalesSchema, req.query));
    const now = clock.now();
    res.json({ items: page.items.map((sale) => toSaleView(sale, now)), nextCursor: page.nextCursor });
  });

  router.get('/:id', async (req, res) => {
    const sale = await sales.get(parsePathId(req.params.id));
    res.json({ sale: toSaleView(sale, clock.now()) });
  });

  // The arrival time is read before authentication: racing opens are judged by when they reached the server.
  const arrival: RequestHandler = (_req, res, next) => {
    res.locals.receivedAt = clock.now();
    next();
  };
  router.post('/:id/rounds', arrival, authenticate, requireAdmin, async (req, res) => {
    const id = parsePathId(req.params.id);
    const input = validateBody(openRoundSchema, req.body);
    const sale = await sales.openRound(id, input, res.locals.receivedAt as Date);
    res.status(201).json({ sale: toSaleView(sale, clock.now()) });
  });

  return router;
}
