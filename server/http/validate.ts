import type Joi from 'joi';

/** Bodies are JSON: types must already be right, so "5" is not a number there. */
const BODY_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: false, allowUnknown: false };
/** Query strings and headers are text: numbers and booleans are converted. */
const TEXT_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: true, allowUnknown: false };

/**
 * Validates a JSON body against a joi schema; unknown fields, wrong types and operator objects are refused.
 * Throws the joi ValidationError, which the error handler turns into 400 VALIDATION_ERROR with details.
 */
export function validateBody<T>(schema: Joi.Schema<T>, body: unknown): T {
  const { value, error } = schema.validate(body ?? {}, BODY_OPTIONS);
  if (error) throw error;
  return value;
}

/** Validates a query string (or other text input) against a joi schema, converting types. */
export function validateQuery<T>(schema: Joi.Schema<T>, query: unknown): T {
  const { value, error } = schema.validate(query ?? {}, TEXT_OPTIONS);
  if (error) throw error;
  return value;
}
