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
    const { status } = validateQuery(listSalesSchema, req.query);
    const items = await sales.list(status);
    const now = clock.now();
    res.json({ items: items.map((sale) => toSaleView(sale, now)) });
  });

  router.get('/:id', async (req, res) => {
    const sale = await sales.get(parsePathId(req.params.id));
    res.json({ sale: toSaleView(sale, clock.now()) });
  });

  router.post('/:id/rounds', authenticate, requireAdmin, async (req, res) => {
    const id = parsePathId(req.params.id);
    const sale = await sales.openRound(id, validateBody(openRoundSchema, req.body));
    res.status(201).json({ sale: toSaleView(sale, clock.now()) });
  });

  return router;
}
