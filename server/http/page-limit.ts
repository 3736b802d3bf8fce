import Joi from 'joi';

/** The contract's page size for every paged list: 1–100, default 50; anything else is 400 VALIDATION_ERROR. */
export const pageLimitSchema = Joi.number()
  .integer()
  .min(1)
  .max(100)
  .default(50)
  .description('Page size; outside 1..100 is 400 VALIDATION_ERROR');
