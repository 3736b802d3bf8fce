import Joi from 'joi';
import { validateBody } from '../http/validate';
import { MAX_UNITS } from '../sales/sales.schemas';

/** POST /api/sales/:id/purchases body. */
export const purchaseBodySchema = Joi.object<{ quantity: number }>({
  quantity: Joi.number()
    .integer()
    .min(1)
    .max(MAX_UNITS)
    .default(1)
    .description('Units to buy; above perOrderLimit is 400 ORDER_LIMIT_EXCEEDED'),
});

function isValidQuantity(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_UNITS;
}

/**
 * A purchase body `{quantity?=1}`, read exactly as `purchaseBodySchema` reads it. The two common shapes are checked
 * by hand because this runs on every purchase; anything else goes through joi, which explains what is wrong.
 */
export function parsePurchaseBody(body: unknown): { quantity: number } {
  if (body === undefined) return { quantity: 1 };
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 0) return { quantity: 1 };
    const quantity = (body as { quantity?: unknown }).quantity;
    if (keys.length === 1 && keys[0] === 'quantity' && isValidQuantity(quantity)) return { quantity };
  }
  return validateBody(purchaseBodySchema, body);
}

const IDEMPOTENCY_KEY_RULE = '"Idempotency-Key" must be 1 to 255 visible ASCII characters';

/** The purchase headers read: the optional `Idempotency-Key`, 1 to 255 visible ASCII characters. */
export const purchaseHeadersSchema = Joi.object<{ 'Idempotency-Key'?: string }>({
  'Idempotency-Key': Joi.string()
    .pattern(/^[\x21-\x7e]{1,255}$/)
    .messages({ 'string.pattern.base': IDEMPOTENCY_KEY_RULE, 'string.empty': IDEMPOTENCY_KEY_RULE })
    .description(
      'Repeating a key (same user, same sale) returns the first answer again and buys nothing more. ' +
        '1 to 255 visible ASCII characters; anything else is 400 VALIDATION_ERROR.',
    ),
});
