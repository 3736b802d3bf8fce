import Joi from 'joi';
import { AppError } from '../errors';
import { validateBody } from '../http/validate';
import { MAX_UNITS } from '../sales/sales.schemas';

/** POST /api/sales/:id/purchases body. */
export const purchaseBodySchema = Joi.object<{ quantity: number }>({
  quantity: Joi.number().integer().min(1).max(MAX_UNITS).default(1),
});

function isValidQuantity(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_UNITS;
}

/**
 * The quantity of a purchase body `{quantity?=1}`. The two common shapes are checked by hand because this runs on
 * every purchase; anything else goes through joi, which explains what is wrong.
 */
export function parseQuantity(body: unknown): number {
  if (body === undefined) return 1;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 0) return 1;
    const quantity = (body as { quantity?: unknown }).quantity;
    if (keys.length === 1 && keys[0] === 'quantity' && isValidQuantity(quantity)) return quantity;
  }
  return validateBody(purchaseBodySchema, body).quantity;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header: 1 to 255 visible ASCII characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && KEY.test(header)) return header;
  throw new AppError('VALIDATION_ERROR', {
    details: [
      {
        path: 'Idempotency-Key',
        message: '"Idempotency-Key" must be 1 to 255 visible ASCII characters',
        type: 'string.pattern.base',
      },
    ],
  });
}
