/**
 * Reading the fields of a command document with MongoDB's errors for wrong types.
 */
import { MongoError, mongoError } from '../errors';
import { isNumeric, isPlainObject } from '../engine/bson-types';
import type { Doc } from '../engine/types';

/** The collection named by the command's first field. */
export function collectionName(cmd: Doc, command: string): string {
  const name = cmd[command];
  if (typeof name !== 'string' || name === '')
    throw mongoError(
      'InvalidNamespace',
      `collection name has invalid type ${name === '' ? 'empty string' : typeof name}`,
    );
  return name;
}

/** An optional non-negative integer field. */
export function optionalCount(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v))
    throw mongoError(
      'TypeMismatch',
      `BSON field '${field}' is the wrong type '${typeof v}', expected a number`,
    );
  const n = Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n))
    throw mongoError('BadValue', `${field} must be an integer`);
  return n;
}

/** An optional object field. */
export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v))
    throw mongoError('TypeMismatch', `BSON field '${field}' is the wrong type, expected object`);
  return v;
}

/** A required array field. */
export function requiredArray(cmd: Doc, field: string, command: string): unknown[] {
  const v = cmd[field];
  if (!Array.isArray(v))
    throw mongoError('TypeMismatch', `BSON field '${command}.${field}' is missing or is not an array`);
  return v;
}

/** `{index, code, errmsg, ...}` of a write error. */
export function writeError(index: number, e: MongoError): Doc {
  const out: Doc = { index, code: e.code, errmsg: e.message };
  if (e.extra.keyPattern) out.keyPattern = e.extra.keyPattern;
  if (e.extra.keyValue) out.keyValue = e.extra.keyValue;
  if (e.extra.errInfo) out.errInfo = e.extra.errInfo;
  return out;
}
