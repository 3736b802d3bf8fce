import Joi from 'joi';
import { validate as isCronExpression } from 'node-cron';
import { instant } from '../http/instant';
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

const units = Joi.number().integer().min(1).max(MAX_UNITS);
const limit = Joi.number().integer().min(1).max(MAX_UNITS);

const cronExpression = Joi.string()
  .max(200)
  .custom((value: string, helpers) => (isCronExpression(value) ? value : helpers.error('any.invalid')))
  .messages({ 'any.invalid': '"restartSchedule" must be a valid cron expression' });

/** POST /api/sales body, with the contract defaults. */
export const createSaleSchema = Joi.object<CreateSaleInput>({
  productId: Joi.string()
    .pattern(/^[0-9a-fA-F]{24}$/)
    .message('"productId" must be an id of 24 hex digits')
    .required(),
  price: moneySchema.required(),
  units: units.default(200),
  startsAt: instant().required(),
  perOrderLimit: limit.default(1),
  perUserLimit: limit.default(1),
  restartSchedule: cronExpression.allow(null).default(null),
  promoCondition: Joi.object({
    name: Joi.string().min(1).max(200).required(),
    description: Joi.string().allow('').max(2000).default(''),
  })
    .allow(null)
    .default(null),
});

/** POST /api/sales/:id/rounds body. */
export const openRoundSchema = Joi.object<OpenRoundInput>({
  startsAt: instant().required(),
  units,
  force: Joi.boolean().default(false),
});

/** GET /api/sales query. */
export const listSalesSchema = Joi.object<ListSalesQuery>({
  status: Joi.string().valid('scheduled', 'active', 'sold_out'),
  limit: Joi.number().integer().min(1).max(100).default(50),
  cursor: Joi.string().max(64),
});
