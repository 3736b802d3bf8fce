import { Router, type RequestHandler } from 'express';
import Joi from 'joi';
import { requireAdmin } from '../http/auth';
import { parsePathId } from '../http/ids';
import { validateBody, validateQuery } from '../http/validate';
import { toProductView } from './product.view';
import { createProductSchema } from './products.schemas';
import type { ProductsService } from './products.service';

/** /api/products: reads are public, writes need an admin. */
export function productRoutes(products: ProductsService, authenticate: RequestHandler): Router {
  const router = Router();

  router.post('/', authenticate, requireAdmin, async (req, res) => {
    const product = await products.create(validateBody(createProductSchema, req.body));
    res.status(201).json({ product: toProductView(product) });
  });

  router.get('/', async (req, res) => {
    validateQuery(Joi.object({}), req.query);
    const items = await products.list();
    res.json({ items: items.map(toProductView) });
  });

  router.get('/:id', async (req, res) => {
    res.json({ product: toProductView(await products.get(parsePathId(req.params.id))) });
  });

  return router;
}
