import { toPathTemplate, type RouteSpec } from '../http/route';
import { routeList } from '../routes';
import { bodySchemaName, bodySchemaOf, errorResponses, operation } from './operations';
import { schemas } from './schemas';
import type { OpenApiDocument, PathItemObject, SchemaObject } from './types';

/**
 * The paths of the document and the request-body schemas they refer to, from the route table: the same joi
 * schemas the validators use, converted, so the document cannot say one thing and the app do another.
 */
function fromRoutes(table: readonly RouteSpec[]): {
  paths: Record<string, PathItemObject>;
  bodies: Record<string, SchemaObject>;
} {
  const paths: Record<string, PathItemObject> = {};
  const bodies: Record<string, SchemaObject> = {};
  for (const spec of table) {
    const item = (paths[toPathTemplate(spec.path)] ??= {});
    if (item[spec.method]) throw new Error(`OpenAPI: ${spec.method} ${spec.path} is declared twice`);
    item[spec.method] = operation(spec);
    const body = bodySchemaOf(spec);
    if (body) bodies[bodySchemaName(spec)] = body;
  }
  return { paths, bodies };
}

/**
 * The OpenAPI 3.1 document of the whole REST contract (shared/API.md): every route, the shapes of answers and
 * bodies, every error answer with its contract codes (`x-error-codes`), bearer authentication, the
 * Idempotency-Key header and Retry-After on 429. Socket.IO events are not HTTP operations; the description
 * points to them.
 */
export function buildOpenApiDocument(table: readonly RouteSpec[] = routeList): OpenApiDocument {
  const { paths, bodies } = fromRoutes(table);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flash sale server',
      version: '1.0.0',
      description:
        'Flash sales with exact stock under load. Money is integer minor units plus an ISO 4217 currency; times ' +
        'are ISO 8601 UTC. Every error is `{"error": {"code", "message", "details"?}}`: match on `code`. Live ' +
        'stock is pushed over Socket.IO (`sale:subscribe`, `sale:update`), described in the README.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'products', description: 'Products: reads public, writes admin' },
      { name: 'sales', description: 'Flash sales and rounds: reads public, writes admin' },
      { name: 'purchases', description: 'Buying, for signed-in users' },
      { name: 'leaderboard', description: 'Buyers of a round, public' },
      { name: 'operations', description: 'Health, readiness, metrics and this document' },
    ],
    paths,
    components: {
      schemas: { ...schemas, ...bodies },
      // A documented path called with a method it does not serve: not an operation, so shared here.
      responses: { MethodNotAllowed: errorResponses(['METHOD_NOT_ALLOWED'])['405'] },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The token from register or login (HS256, lifetime JWT_EXPIRES_IN, default 1h).',
        },
      },
    },
  };
}
