import { ERROR_STATUS } from '../errors';
import type { SchemaObject } from './types';

/** A reference to a schema of `components.schemas`. */
export const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });

/** An answer `{items: [name]}`. */
export const list = (item: string): SchemaObject => ({
  type: 'object',
  properties: { items: { type: 'array', items: ref(item) } },
  required: ['items'],
  additionalProperties: false,
});

/** An answer `{key: name}`. */
export const wrap = (key: string, schema: string): SchemaObject => ({
  type: 'object',
  properties: { [key]: ref(schema) },
  required: [key],
  additionalProperties: false,
});

const id: SchemaObject = {
  type: 'string',
  pattern: '^[0-9a-f]{24}$',
  description: 'Id (24 hexadecimal digits)',
};
const dateTime: SchemaObject = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' };
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

/** The schemas of the answers; request schemas are generated from the routes' joi schemas. */
export const schemas: Record<string, SchemaObject> = models;
