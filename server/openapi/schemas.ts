import { ERROR_STATUS } from '../errors';
import { MAX_UNITS } from '../sales/sales.schemas';
import type { SchemaObject } from './types';

/** A reference to a schema of `components.schemas`. */
export const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });

const id: SchemaObject = {
  type: 'string',
  pattern: '^[0-9a-f]{24}$',
  description: 'Id (24 hexadecimal digits)',
};
const dateTime: SchemaObject = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' };
/** A time a client sends: `Z` or an offset required, a real calendar instant (no `02-30`). */
const inputTime: SchemaObject = {
  type: 'string',
  format: 'date-time',
  maxLength: 64,
  description: 'ISO 8601 with Z or an offset (e.g. 2031-01-01T10:00:00Z), naming a real calendar instant',
};
const money: SchemaObject = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Minor units (cents)',
};
const currency: SchemaObject = { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' };
const count = (description: string): SchemaObject => ({ type: 'integer', minimum: 0, description });
const positive = (description: string, maximum?: number): SchemaObject => ({
  type: 'integer',
  minimum: 1,
  ...(maximum === undefined ? {} : { maximum }),
  description,
});
const nonBlank = (maxLength: number): SchemaObject => ({
  type: 'string',
  minLength: 1,
  maxLength,
  pattern: '\\S',
});

/** An object whose listed properties are all present and which has no others (answers). */
function record(properties: Record<string, SchemaObject>, description?: string): SchemaObject {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

/** A request body: unknown fields are refused with 400 VALIDATION_ERROR. */
function body(properties: Record<string, SchemaObject>, required: string[]): SchemaObject {
  return {
    type: 'object',
    description: 'Unknown fields are refused (400 VALIDATION_ERROR).',
    properties,
    required,
    additionalProperties: false,
  };
}

const promoCondition: SchemaObject = record(
  { name: { type: 'string', maxLength: 200 }, description: { type: 'string', maxLength: 2000 } },
  "Why the promotion applies (the seed model's promo_condition)",
);

/** The contract's error body, `code` limited to `codes` (all codes of the registry, or those of one response). */
export function errorBodySchema(codes: readonly string[]): SchemaObject {
  return {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string', enum: codes },
          message: { type: 'string', description: 'For people; may change. Match on code.' },
          details: {
            description:
              'VALIDATION_ERROR: a list of ValidationIssue; SALE_NOT_STARTED: {startsAt}; INSUFFICIENT_STOCK: {remaining}',
          },
        },
        required: ['code', 'message'],
        additionalProperties: false,
      },
    },
    required: ['error'],
    additionalProperties: false,
  };
}

/** The answers of the contract. */
const models: Record<string, SchemaObject> = {
  User: record({
    id,
    name: { type: 'string' },
    email: { type: 'string', format: 'email' },
    role: { type: 'string', enum: ['user', 'admin'] },
    createdAt: dateTime,
  }),
  AuthSession: record({
    user: ref('User'),
    token: { type: 'string', description: 'JWT (HS256); send as Bearer' },
  }),
  Product: record({
    id,
    name: { type: 'string' },
    description: { type: 'string' },
    price: money,
    currency,
    createdAt: dateTime,
  }),
  Sale: record(
    {
      id,
      product: record({ id, name: { type: 'string' } }),
      price: { ...money, description: 'Promo price per unit, minor units' },
      currency,
      units: positive('Units per round'),
      remaining: count('Units left in this round'),
      sold: count('Units sold in this round; sold + remaining == units'),
      round: positive('Current round, from 1'),
      status: {
        type: 'string',
        enum: ['scheduled', 'active', 'sold_out'],
        description: 'From the server clock and the stock: before startsAt it is scheduled',
      },
      startsAt: dateTime,
      nextRoundAt: {
        oneOf: [dateTime, { type: 'null' }],
        description:
          'Next firing of restartSchedule: the current round ends then at the latest; null without one',
      },
      perOrderLimit: positive('Most units in one purchase'),
      perUserLimit: positive('Most units one user may buy in a round'),
      restartSchedule: { type: ['string', 'null'], description: 'Cron expression (UTC) opening new rounds' },
      promoCondition: { oneOf: [promoCondition, { type: 'null' }] },
      version: positive('Increases on every change of the sale'),
      serverTime: { ...dateTime, description: 'The server clock when this answer was made' },
    },
    'A flash sale of one product, as seen at serverTime',
  ),
  Purchase: record({
    id,
    saleId: id,
    round: positive('Round of the sale'),
    productId: id,
    quantity: positive('Units bought'),
    price: { ...money, description: 'Unit price paid, minor units' },
    currency,
    purchasedAt: dateTime,
    position: positive('1-based order of this purchase in its round'),
  }),
  PurchaseResult: record({ purchase: ref('Purchase'), remaining: count('Units left in the round after it') }),
  LeaderboardEntry: record({
    position: positive('1-based order in the round'),
    user: record({ id, name: { type: 'string' } }),
    quantity: positive('Units bought'),
    purchasedAt: dateTime,
  }),
  SalesPage: record({
    items: { type: 'array', items: ref('Sale'), maxItems: 100 },
    nextCursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` for the next page (older sales); null on the last',
    },
  }),
  LeaderboardPage: record({
    saleId: id,
    round: positive('Round listed'),
    items: { type: 'array', items: ref('LeaderboardEntry'), maxItems: 100 },
    nextCursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` for the next page; null on the last',
    },
  }),
  ValidationIssue: record({
    path: { type: 'string', description: 'Dotted path of the field' },
    message: { type: 'string' },
    type: { type: 'string', description: 'Machine-readable rule, e.g. any.required' },
  }),
  Error: errorBodySchema(Object.keys(ERROR_STATUS)),
  Health: record({ status: { type: 'string', enum: ['ok', 'ready'] } }),
};

const units = positive('Units per round', MAX_UNITS);
const limit = (description: string): SchemaObject => positive(description, MAX_UNITS);

/** The request bodies of the contract. */
const bodies: Record<string, SchemaObject> = {
  RegisterBody: body(
    {
      name: nonBlank(100),
      email: { type: 'string', format: 'email', maxLength: 254 },
      password: {
        type: 'string',
        minLength: 8,
        maxLength: 72,
        description: '8 to 72 characters (at most 72 bytes)',
      },
    },
    ['name', 'email', 'password'],
  ),
  LoginBody: body(
    {
      email: { type: 'string', minLength: 1, maxLength: 254 },
      // Any length up to the body limit: a password bcrypt cannot check is just a wrong password.
      password: { type: 'string', minLength: 1 },
    },
    ['email', 'password'],
  ),
  CreateProductBody: body(
    {
      name: nonBlank(200),
      description: { type: 'string', maxLength: 5000, default: '' },
      price: money,
      currency: { ...currency, default: 'USD' },
    },
    ['name', 'price'],
  ),
  CreateSaleBody: body(
    {
      productId: id,
      price: { ...money, description: 'Promo price per unit, minor units' },
      units: { ...units, default: 200 },
      startsAt: { ...inputTime, description: `${inputTime.description}; in the past means active at once` },
      perOrderLimit: { ...limit('Most units in one purchase'), default: 1 },
      perUserLimit: { ...limit('Most units one user may buy in a round'), default: 1 },
      restartSchedule: {
        type: ['string', 'null'],
        maxLength: 200,
        default: null,
        description: 'Cron expression (UTC): each firing opens a new round',
      },
      promoCondition: {
        oneOf: [
          body({ name: nonBlank(200), description: { type: 'string', maxLength: 2000, default: '' } }, [
            'name',
          ]),
          { type: 'null' },
        ],
        default: null,
      },
    },
    ['productId', 'price', 'startsAt'],
  ),
  OpenRoundBody: body(
    {
      startsAt: inputTime,
      units: { ...units, description: "Units of the new round; default: the sale's units" },
      force: { type: 'boolean', default: false, description: 'Open even while the current round is active' },
    },
    ['startsAt'],
  ),
  PurchaseBody: body(
    {
      quantity: {
        ...positive('Units to buy; above perOrderLimit is 400 ORDER_LIMIT_EXCEEDED', MAX_UNITS),
        default: 1,
      },
    },
    [],
  ),
};

/** Every schema of `components.schemas`. */
export const schemas: Record<string, SchemaObject> = { ...models, ...bodies };
