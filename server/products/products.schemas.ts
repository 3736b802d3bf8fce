import Joi from 'joi';

/** Create-product body. Money is an integer number of minor units. */
export interface CreateProductInput {
  name: string;
  description: string;
  price: number;
  currency: string;
}

/** ISO 4217 code: three capital letters. */
export const currencySchema = Joi.string()
  .pattern(/^[A-Z]{3}$/)
  .message('"currency" must be an ISO 4217 code')
  .description('ISO 4217 code');

/** An amount of money in minor units. */
export const moneySchema = Joi.number()
  .integer()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .description('Minor units (cents)');

/** POST /api/products body. */
export const createProductSchema = Joi.object<CreateProductInput>({
  name: Joi.string().min(1).max(200).pattern(/\S/).required(),
  description: Joi.string().allow('').max(5000).default(''),
  price: moneySchema.required(),
  currency: currencySchema.default('USD'),
});
