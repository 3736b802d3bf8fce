import { errorResponses } from './operations';
import { paths } from './paths';
import { schemas } from './schemas';
import type { OpenApiDocument } from './types';

/**
 * The OpenAPI 3.1 document of the whole REST contract (shared/API.md): every route, the shapes of answers and
 * bodies, every error answer with its contract codes (`x-error-codes`), bearer authentication, the
 * Idempotency-Key header and Retry-After on 429. Socket.IO events are not HTTP operations; the description
 * points to them.
 */
export function buildOpenApiDocument(): OpenApiDocument {
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
      schemas,
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
