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
