import Joi from 'joi';
import { loginSchema, registerSchema } from './auth/auth.schemas';
import { idParams } from './http/ids';
import { defineRoute, type RouteSpec } from './http/route';
import { leaderboardQuerySchema } from './leaderboard/leaderboard.schemas';
import { list, ref, wrap } from './openapi/schemas';
import { createProductSchema } from './products/products.schemas';
import { purchaseBodySchema, purchaseHeadersSchema } from './purchases/purchases.schemas';
import { createSaleSchema, listSalesSchema, openRoundSchema } from './sales/sales.schemas';

/** A query string that must be empty: any field is 400 VALIDATION_ERROR. */
const noQuery = Joi.object({});

/**
 * The route table: every HTTP route of the contract (shared/API.md), declared once. Each entry is the route's
 * method, full path, access, the joi schemas of its params, query, headers and body, and its documented answers.
 * Express registers and validates each route from its entry (`mountRoute`), and the OpenAPI document is
 * generated from the same entries (`buildOpenApiDocument`), so the two cannot drift apart.
 */
export const routes = {
  register: defineRoute({
    method: 'post',
    path: '/api/auth/register',
    operationId: 'register',
    summary: 'Create an account (role user) and get a token',
    tag: 'auth',
    access: 'public',
    request: { body: registerSchema },
    ok: { status: 201, description: 'Registered', schema: ref('AuthSession') },
    errors: ['EMAIL_TAKEN', 'RATE_LIMITED'],
  }),
  login: defineRoute({
    method: 'post',
    path: '/api/auth/login',
    operationId: 'login',
    summary: 'Exchange email and password for a token',
    description: 'A wrong email and a wrong password get the same answer.',
    tag: 'auth',
    access: 'public',
    request: { body: loginSchema },
    ok: { status: 200, description: 'Logged in', schema: ref('AuthSession') },
    errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
  }),
  me: defineRoute({
    method: 'get',
    path: '/api/auth/me',
    operationId: 'me',
    summary: 'The account of the token',
    tag: 'auth',
    access: 'user',
    ok: { status: 200, description: 'The caller', schema: wrap('user', 'User') },
    errors: ['RATE_LIMITED'],
  }),

  createProduct: defineRoute({
    method: 'post',
    path: '/api/products',
    operationId: 'createProduct',
    summary: 'Create a product',
    tag: 'products',
    access: 'admin',
    request: { body: createProductSchema },
    ok: { status: 201, description: 'Created', schema: wrap('product', 'Product') },
  }),
  listProducts: defineRoute({
    method: 'get',
    path: '/api/products',
    operationId: 'listProducts',
    summary: 'List products',
    description: 'Takes no query parameters (any is 400 VALIDATION_ERROR).',
    tag: 'products',
    access: 'public',
    request: { query: noQuery },
    ok: { status: 200, description: 'All products', schema: list('Product') },
  }),
  getProduct: defineRoute({
    method: 'get',
    path: '/api/products/:id',
    operationId: 'getProduct',
    summary: 'One product',
    tag: 'products',
    access: 'public',
    request: { params: idParams('product') },
    ok: { status: 200, description: 'The product', schema: wrap('product', 'Product') },
  }),

  createSale: defineRoute({
    method: 'post',
    path: '/api/sales',
    operationId: 'createSale',
    summary: 'Create a flash sale of a product',
    tag: 'sales',
    access: 'admin',
    request: { body: createSaleSchema },
    ok: { status: 201, description: 'Created', schema: wrap('sale', 'Sale') },
    errors: ['NOT_FOUND'],
  }),
  listSales: defineRoute({
    method: 'get',
    path: '/api/sales',
    operationId: 'listSales',
    summary: 'List sales',
    tag: 'sales',
    access: 'public',
    request: { query: listSalesSchema },
    ok: { status: 200, description: 'Sales, newest first', schema: ref('SalesPage') },
  }),
  getSale: defineRoute({
    method: 'get',
    path: '/api/sales/:id',
    operationId: 'getSale',
    summary: 'One sale, with its live stock',
    tag: 'sales',
    access: 'public',
    request: { params: idParams('sale') },
    ok: { status: 200, description: 'The sale', schema: wrap('sale', 'Sale') },
  }),
  openRound: defineRoute({
    method: 'post',
    path: '/api/sales/:id/rounds',
    operationId: 'openRound',
    summary: 'Open the next round: inventory reset to units',
    description:
      'Refused with 409 ROUND_IN_PROGRESS while the current round is active and not sold out, unless force.',
    tag: 'sales',
    access: 'admin',
    request: { params: idParams('sale'), body: openRoundSchema },
    ok: { status: 201, description: 'The sale in its new round', schema: wrap('sale', 'Sale') },
    errors: ['ROUND_IN_PROGRESS'],
  }),

  purchase: defineRoute({
    method: 'post',
    path: '/api/sales/:id/purchases',
    operationId: 'purchase',
    summary: 'Buy units of a sale',
    description:
      'Rate limited per user. With Idempotency-Key, a repeat gets the first answer and buys nothing.',
    tag: 'purchases',
    access: 'user',
    request: {
      params: idParams('sale'),
      headers: purchaseHeadersSchema,
      body: purchaseBodySchema,
      bodyOptional: true,
    },
    ok: { status: 201, description: 'Bought', schema: ref('PurchaseResult') },
    errors: [
      'ORDER_LIMIT_EXCEEDED',
      'SALE_NOT_STARTED',
      'SOLD_OUT',
      'INSUFFICIENT_STOCK',
      'USER_LIMIT_REACHED',
      'RATE_LIMITED',
    ],
  }),
  myPurchases: defineRoute({
    method: 'get',
    path: '/api/users/me/purchases',
    operationId: 'myPurchases',
    summary: "The caller's purchases",
    description: 'The 500 most recent. Takes no query parameters (any is 400 VALIDATION_ERROR).',
    tag: 'purchases',
    access: 'user',
    request: { query: noQuery },
    ok: { status: 200, description: 'Purchases, newest first', schema: list('Purchase') },
  }),
  leaderboard: defineRoute({
    method: 'get',
    path: '/api/sales/:id/leaderboard',
    operationId: 'leaderboard',
    summary: 'Buyers of a round, oldest purchase first',
    tag: 'leaderboard',
    access: 'public',
    request: { params: idParams('sale'), query: leaderboardQuerySchema },
    ok: { status: 200, description: 'One page', schema: ref('LeaderboardPage') },
  }),

  health: defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness: 200 while the process runs',
    tag: 'operations',
    access: 'public',
    database: false,
    ok: { status: 200, description: 'Alive', schema: ref('Health') },
  }),
  ready: defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'Readiness: 200 when the database answers, 503 otherwise',
    tag: 'operations',
    access: 'public',
    ok: { status: 200, description: 'Ready', schema: ref('Health') },
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics of this instance',
    description:
      'When the server is given a metrics token (METRICS_TOKEN), a scrape must send ' +
      '`Authorization: Bearer <token>`; otherwise it is public: expose it to the monitoring network only ' +
      '(see docs/SECURITY.md).',
    tag: 'operations',
    access: 'public',
    database: false,
    errors: ['UNAUTHENTICATED'],
    ok: {
      status: 200,
      description: 'Prometheus text format',
      contentType: 'text/plain',
      schema: { type: 'string' },
    },
  }),
  openapi: defineRoute({
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'operations',
    access: 'public',
    database: false,
    ok: { status: 200, description: 'OpenAPI 3.1 document', schema: { type: 'object' } },
  }),
} satisfies Record<string, RouteSpec>;

/** The name of a route of the table. */
export type RouteName = keyof typeof routes;

/** Every route of the table, in declaration order. */
export const routeList: readonly RouteSpec[] = Object.values(routes);
