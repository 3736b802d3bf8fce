import { idParameter, operation } from './operations';
import { ref } from './schemas';
import type { ParameterObject, PathItemObject, SchemaObject } from './types';

const list = (item: string): SchemaObject => ({
  type: 'object',
  properties: { items: { type: 'array', items: ref(item) } },
  required: ['items'],
  additionalProperties: false,
});
const wrap = (key: string, schema: string): SchemaObject => ({
  type: 'object',
  properties: { [key]: ref(schema) },
  required: [key],
  additionalProperties: false,
});

const idempotencyKey: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Repeating a key (same user, same sale) returns the first answer again and buys nothing more. ' +
    '1 to 255 visible ASCII characters; anything else is 400 VALIDATION_ERROR.',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
};

const leaderboardQuery: ParameterObject[] = [
  {
    name: 'round',
    in: 'query',
    description: 'Round to list; default: the current round',
    schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Page size; outside 1..100 is 400 VALIDATION_ERROR',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  },
  {
    name: 'cursor',
    in: 'query',
    description:
      'nextCursor of the previous page; a cursor this server did not issue is 400 VALIDATION_ERROR',
    schema: { type: 'string', maxLength: 512 },
  },
];

const auth: Record<string, PathItemObject> = {
  '/api/auth/register': {
    post: operation({
      operationId: 'register',
      summary: 'Create an account (role user) and get a token',
      tag: 'auth',
      access: 'public',
      body: 'RegisterBody',
      ok: { status: 201, description: 'Registered', schema: ref('AuthSession') },
      errors: ['EMAIL_TAKEN', 'RATE_LIMITED'],
    }),
  },
  '/api/auth/login': {
    post: operation({
      operationId: 'login',
      summary: 'Exchange email and password for a token',
      description: 'A wrong email and a wrong password get the same answer.',
      tag: 'auth',
      access: 'public',
      body: 'LoginBody',
      ok: { status: 200, description: 'Logged in', schema: ref('AuthSession') },
      errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
    }),
  },
  '/api/auth/me': {
    get: operation({
      operationId: 'me',
      summary: 'The account of the token',
      tag: 'auth',
      access: 'user',
      ok: { status: 200, description: 'The caller', schema: wrap('user', 'User') },
      errors: ['RATE_LIMITED'],
    }),
  },
};

const products: Record<string, PathItemObject> = {
  '/api/products': {
    post: operation({
      operationId: 'createProduct',
      summary: 'Create a product',
      tag: 'products',
      access: 'admin',
      body: 'CreateProductBody',
      ok: { status: 201, description: 'Created', schema: wrap('product', 'Product') },
    }),
    get: operation({
      operationId: 'listProducts',
      summary: 'List products',
      tag: 'products',
      access: 'public',
      ok: { status: 200, description: 'All products', schema: list('Product') },
    }),
  },
  '/api/products/{id}': {
    get: operation({
      operationId: 'getProduct',
      summary: 'One product',
      tag: 'products',
      access: 'public',
      parameters: [idParameter('product')],
      ok: { status: 200, description: 'The product', schema: wrap('product', 'Product') },
      errors: ['NOT_FOUND'],
    }),
  },
};

const sales: Record<string, PathItemObject> = {
  '/api/sales': {
    post: operation({
      operationId: 'createSale',
      summary: 'Create a flash sale of a product',
      tag: 'sales',
      access: 'admin',
      body: 'CreateSaleBody',
      ok: { status: 201, description: 'Created', schema: wrap('sale', 'Sale') },
      errors: ['NOT_FOUND'],
    }),
    get: operation({
      operationId: 'listSales',
      summary: 'List sales',
      tag: 'sales',
      access: 'public',
      parameters: [
        {
          name: 'status',
          in: 'query',
          description: 'Only sales with this status',
          schema: { type: 'string', enum: ['scheduled', 'active', 'sold_out'] },
        },
        {
          name: 'limit',
          in: 'query',
          description: 'Page size; outside 1..100 is 400 VALIDATION_ERROR',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
        },
        {
          name: 'cursor',
          in: 'query',
          description: 'nextCursor of the previous page; anything else is 400 VALIDATION_ERROR',
          schema: { type: 'string', maxLength: 64 },
        },
      ],
      ok: { status: 200, description: 'Sales, newest first', schema: ref('SalesPage') },
      errors: ['VALIDATION_ERROR'],
    }),
  },
  '/api/sales/{id}': {
    get: operation({
      operationId: 'getSale',
      summary: 'One sale, with its live stock',
      tag: 'sales',
      access: 'public',
      parameters: [idParameter('sale')],
      ok: { status: 200, description: 'The sale', schema: wrap('sale', 'Sale') },
      errors: ['NOT_FOUND'],
    }),
  },
  '/api/sales/{id}/rounds': {
    post: operation({
      operationId: 'openRound',
      summary: 'Open the next round: inventory reset to units',
      description:
        'Refused with 409 ROUND_IN_PROGRESS while the current round is active and not sold out, unless force.',
      tag: 'sales',
      access: 'admin',
      parameters: [idParameter('sale')],
      body: 'OpenRoundBody',
      ok: { status: 201, description: 'The sale in its new round', schema: wrap('sale', 'Sale') },
      errors: ['NOT_FOUND', 'ROUND_IN_PROGRESS'],
    }),
  },
};

const purchases: Record<string, PathItemObject> = {
  '/api/sales/{id}/purchases': {
    post: operation({
      operationId: 'purchase',
      summary: 'Buy units of a sale',
      description:
        'Rate limited per user. With Idempotency-Key, a repeat gets the first answer and buys nothing.',
      tag: 'purchases',
      access: 'user',
      parameters: [idParameter('sale'), idempotencyKey],
      body: 'PurchaseBody',
      bodyOptional: true,
      ok: { status: 201, description: 'Bought', schema: ref('PurchaseResult') },
      errors: [
        'ORDER_LIMIT_EXCEEDED',
        'NOT_FOUND',
        'SALE_NOT_STARTED',
        'SOLD_OUT',
        'INSUFFICIENT_STOCK',
        'USER_LIMIT_REACHED',
        'RATE_LIMITED',
      ],
    }),
  },
  '/api/users/me/purchases': {
    get: operation({
      operationId: 'myPurchases',
      summary: "The caller's purchases",
      tag: 'purchases',
      access: 'user',
      description: 'The 500 most recent. Takes no query parameters (any is 400 VALIDATION_ERROR).',
      ok: { status: 200, description: 'Purchases, newest first', schema: list('Purchase') },
      errors: ['VALIDATION_ERROR'],
    }),
  },
  '/api/sales/{id}/leaderboard': {
    get: operation({
      operationId: 'leaderboard',
      summary: 'Buyers of a round, oldest purchase first',
      tag: 'leaderboard',
      access: 'public',
      parameters: [idParameter('sale'), ...leaderboardQuery],
      ok: { status: 200, description: 'One page', schema: ref('LeaderboardPage') },
      errors: ['VALIDATION_ERROR', 'NOT_FOUND'],
    }),
  },
};

const operations: Record<string, PathItemObject> = {
  '/healthz': {
    get: operation({
      operationId: 'health',
      summary: 'Liveness: 200 while the process runs',
      tag: 'operations',
      access: 'public',
      database: false,
      ok: { status: 200, description: 'Alive', schema: ref('Health') },
    }),
  },
  '/readyz': {
    get: operation({
      operationId: 'ready',
      summary: 'Readiness: 200 when the database answers, 503 otherwise',
      tag: 'operations',
      access: 'public',
      ok: { status: 200, description: 'Ready', schema: ref('Health') },
    }),
  },
  '/metrics': {
    get: operation({
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
  },
  '/api/openapi.json': {
    get: operation({
      operationId: 'openapi',
      summary: 'This document',
      tag: 'operations',
      access: 'public',
      database: false,
      ok: { status: 200, description: 'OpenAPI 3.1 document', schema: { type: 'object' } },
    }),
  },
};

/** Every path of the REST contract. */
export const paths: Record<string, PathItemObject> = {
  ...auth,
  ...products,
  ...sales,
  ...purchases,
  ...operations,
};
