import { Router, type RequestHandler } from 'express';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import { toProductView } from './product.view';
import type { ProductsService } from './products.service';

/** Products (paths in the route table): reads are public, writes need an admin. */
export function productRoutes(products: ProductsService, authenticate: RequestHandler): Router {
  const router = Router();

  mountRoute(router, routes.createProduct, {
    authenticate,
    async handle({ body }, _req, res) {
      res.status(201).json({ product: toProductView(await products.create(body)) });
    },
  });

  mountRoute(router, routes.listProducts, {
    async handle(_input, _req, res) {
      const items = await products.list();
      res.json({ items: items.map(toProductView) });
    },
  });

  mountRoute(router, routes.getProduct, {
    async handle({ params }, _req, res) {
      res.json({ product: toProductView(await products.get(params.id)) });
    },
  });

  return router;
}
