import Joi from 'joi';
import { validate as isCronExpression } from 'node-cron';
import { instant } from '../http/instant';
import { pageLimitSchema } from '../http/page-limit';
import { moneySchema } from '../products/products.schemas';
import type { PromoCondition } from '../ledger';
import type { SaleStatus } from './sale.view';

/** Most units a round may hold (the contract): the ledger's per-round maps stay bounded by it. */
export const MAX_UNITS = 10_000;

/** Create-sale body (`startsAt` is the canonical UTC ISO string of `instant()`; the service makes it a Date). */
export interface CreateSaleInput {
  productId: string;
  price: number;
  units: number;
  startsAt: string;
  perOrderLimit: number;
  perUserLimit: number;
  restartSchedule: string | null;
  promoCondition: PromoCondition | null;
}

/** Open-round body. */
export interface OpenRoundInput {
  startsAt: string;
  units?: number;
  force: boolean;
}

/** List-sales query. */
export interface ListSalesQuery {
  status?: SaleStatus;
  limit: number;
  cursor?: string;
}

const units = Joi.number().integer().min(1).max(MAX_UNITS).description('Units per round');
const limit = Joi.number().integer().min(1).max(MAX_UNITS);

const cronExpression = Joi.string()
  .max(200)
  .custom((value: string, helpers) => (isCronExpression(value) ? value : helpers.error('any.invalid')))
  .messages({ 'any.invalid': '"restartSchedule" must be a valid cron expression' })
  .description('Cron expression (UTC): each firing opens a new round');

/** POST /api/sales body, with the contract defaults. */
export const createSaleSchema = Joi.object<CreateSaleInput>({
  productId: Joi.string()
    .pattern(/^[0-9a-fA-F]{24}$/)
    .message('"productId" must be an id of 24 hex digits')
    .required()
    .description('Id of the product on sale'),
  price: moneySchema.required().description('Promo price per unit, minor units'),
  units: units.default(200),
  startsAt: instant()
    .required()
    .description('Start of the first round (ISO 8601 with Z or an offset); in the past means active at once'),
  perOrderLimit: limit.default(1).description('Most units in one purchase'),
  perUserLimit: limit.default(1).description('Most units one user may buy in a round'),
  restartSchedule: cronExpression.allow(null).default(null),
  promoCondition: Joi.object({
    name: Joi.string().min(1).max(200).required(),
    description: Joi.string().allow('').max(2000).default(''),
  })
    .allow(null)
    .default(null)
    .description("Why the promotion applies (the seed model's promo_condition)"),
});

/** POST /api/sales/:id/rounds body. */
export const openRoundSchema = Joi.object<OpenRoundInput>({
  startsAt: instant()
    .required()
    .description('Start of the new round (ISO 8601 with Z or an offset); in the past means active at once'),
  units: units.description("Units of the new round; default: the sale's units"),
  force: Joi.boolean().default(false).description('Open even while the current round is active'),
});

/** GET /api/sales query. */
export const listSalesSchema = Joi.object<ListSalesQuery>({
  status: Joi.string().valid('scheduled', 'active', 'sold_out').description('Only sales with this status'),
  limit: pageLimitSchema,
  cursor: Joi.string()
    .max(64)
    .description('nextCursor of the previous page; anything else is 400 VALIDATION_ERROR'),
});
