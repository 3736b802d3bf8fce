import Joi from 'joi';
import { Types } from 'mongoose';
import { AppError } from '../errors';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** True for a 24-hex-digit id (the only form the API hands out). */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** Parses an id from a path: anything malformed is simply not found (404), never a 500. */
export function parsePathId(value: unknown): Types.ObjectId {
  if (!isObjectIdHex(value)) throw new AppError('NOT_FOUND');
  return new Types.ObjectId(value);
}

/**
 * The `:id` path parameter of a route: 24 hex digits, handed to the handler as an ObjectId. A route's params that
 * fail are 404 NOT_FOUND (see `mountRoute`), never 400 or 500.
 */
export const idParams = (what: string) =>
  Joi.object<{ id: Types.ObjectId }>({
    id: Joi.string()
      .pattern(/^[0-9a-fA-F]{24}$/)
      .required()
      .custom((value: string) => new Types.ObjectId(value))
      .description(`Id of the ${what}; a malformed id is 404 NOT_FOUND`),
  });
