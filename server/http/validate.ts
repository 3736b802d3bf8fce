import type Joi from 'joi';
import { AppError } from '../errors';
import { findPrototypeKeys } from './prototype-keys';

/** Bodies are JSON: types must already be right, so "5" is not a number there. */
const BODY_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: false, allowUnknown: false };
/** Query strings and headers are text: numbers and booleans are converted. */
const TEXT_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: true, allowUnknown: false };

type Details = { path: string; message: string; type: string }[];

/** Prototype keys are refused exactly like unknown fields (same code, same `type`), listed with joi's findings. */
function check<T>(schema: Joi.Schema<T>, input: unknown, options: Joi.ValidationOptions): T {
  const found = findPrototypeKeys(input);
  const { value, error } = schema.validate(input ?? {}, options);
  if (found.length === 0) {
    if (error) throw error;
    return value;
  }
  const details: Details = found.map(({ path, key }) => ({
    path,
    message: `"${key}" is not allowed`,
    type: 'object.unknown',
  }));
  for (const d of error?.details ?? [])
    details.push({ path: d.path.join('.'), message: d.message, type: d.type });
  throw new AppError('VALIDATION_ERROR', { details });
}

/**
 * Validates a JSON body against a joi schema; unknown fields (prototype keys included), wrong types and operator
 * objects are refused. Throws, and the error handler answers 400 VALIDATION_ERROR with every problem listed.
 */
export function validateBody<T>(schema: Joi.Schema<T>, body: unknown): T {
  return check(schema, body, BODY_OPTIONS);
}

/** Validates a query string (or other text input) against a joi schema, converting types. */
export function validateQuery<T>(schema: Joi.Schema<T>, query: unknown): T {
  return check(schema, query, TEXT_OPTIONS);
}
