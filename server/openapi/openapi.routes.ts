import { Router, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import { buildOpenApiDocument } from './openapi';
import type { OpenApiDocument } from './types';

export const OPENAPI_PATH = routes.openapi.path;
export const DOCS_PATH = '/api/docs';

/**
 * The UI page loads its scripts, styles and images from this server only and inlines one `<style>` block:
 * helmet's default CSP allows exactly that. The only outside request Swagger UI would make is to its online
 * validator badge, which is turned off here; so no CSP relaxation is needed, on /api/docs or elsewhere.
 */
const UI_OPTIONS: swaggerUi.SwaggerUiOptions = {
  customSiteTitle: 'Flash sale API',
  swaggerUrl: OPENAPI_PATH,
  swaggerOptions: { validatorUrl: null, persistAuthorization: false },
};

/** The UI is read-only: any other method leaves this router and ends as the app's 404. */
const readsOnly: RequestHandler = (req, _res, next) =>
  next(req.method === 'GET' || req.method === 'HEAD' ? undefined : 'router');

/**
 * Relative asset URLs of the page (`./swagger-ui.css`) only resolve under the folder, so `/api/docs` is sent to
 * `/api/docs/` (the query string kept).
 */
const trailingSlash: RequestHandler = (req, res, next) => {
  const queryAt = req.originalUrl.indexOf('?');
  const path = queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt);
  const atFolder = req.url === '/' || req.url.startsWith('/?');
  if (atFolder && !path.endsWith('/')) {
    res.redirect(301, `${path}/${queryAt === -1 ? '' : req.originalUrl.slice(queryAt)}`);
    return;
  }
  next();
};

/**
 * `GET /api/openapi.json` (the document, built once) and the interactive UI at `/api/docs/`, which reads that
 * same URL. The UI's assets come from the swagger-ui-dist package, served by this router.
 */
export function openapiRouter(document: OpenApiDocument = buildOpenApiDocument()): Router {
  const router = Router();
  const body = JSON.stringify(document);

  mountRoute(router, routes.openapi, {
    handle(_input, _req, res) {
      res.type('application/json').send(body);
    },
  });

  // serveFiles (not `serve`) keeps the UI's init script in this router rather than in module state.
  router.use(
    DOCS_PATH,
    readsOnly,
    trailingSlash,
    swaggerUi.serveFiles(undefined, UI_OPTIONS),
    swaggerUi.setup(undefined, UI_OPTIONS),
  );
  return router;
}
