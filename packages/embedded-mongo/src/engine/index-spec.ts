/**
 * Index specifications as createIndexes receives them: validation, default names, and the "same index?" /
 * "same options?" questions createIndexes answers with a no-op or codes 85 / 86.
 */
import { MongoError, mongoError } from '../errors';
import { isNumeric, isPlainObject } from './bson-types';
import { bsonEquals } from './compare';
import type { Doc } from './types';

/** A normalised index specification (what listIndexes returns). */
export interface IndexSpec {
  v: 2;
  key: Record<string, 1 | -1>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

const KNOWN_OPTIONS = new Set([
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'v',
  'background',
  'ns',
  'collation',
  'hidden',
]);

/** `{a: 1, b: -1}` → `a_1_b_-1`. */
export function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_');
}

/** Validates and normalises one entry of createIndexes' `indexes`. */
export function normalizeIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw mongoError('TypeMismatch', 'index specification must be an object');
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0)
    throw mongoError(
      'FailedToParse',
      "The 'key' field is a required property of an index specification and must be a non-empty object",
    );
  const normKey: Record<string, 1 | -1> = {};
  for (const [field, dir] of Object.entries(key)) {
    if (typeof dir === 'string')
      throw new MongoError(
        67,
        'CannotCreateIndex',
        `Index type '${dir}' on field '${field}' is not supported by the embedded server`,
      );
    if (!isNumeric(dir) || Number(dir) === 0 || Number.isNaN(Number(dir)))
      throw new MongoError(
        67,
        'CannotCreateIndex',
        `Values in the index key pattern can only be non-zero numbers or strings, found ${field}: ${String(dir)}`,
      );
    if (field === '' || field.startsWith('$'))
      throw new MongoError(67, 'CannotCreateIndex', `Index key contains an illegal field name: '${field}'`);
    normKey[field] = Number(dir) > 0 ? 1 : -1;
  }
  const name = raw.name === undefined ? defaultIndexName(key) : raw.name;
  if (typeof name !== 'string' || name === '')
    throw mongoError('TypeMismatch', "The 'name' field of an index specification must be a non-empty string");
  const spec: IndexSpec = { v: 2, key: normKey, name };
  if (raw.unique === true || raw.unique === 1) spec.unique = true;
  if (raw.sparse === true || raw.sparse === 1) spec.sparse = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression))
      throw mongoError('TypeMismatch', 'partialFilterExpression must be an object');
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  if (raw.expireAfterSeconds !== undefined) {
    if (!isNumeric(raw.expireAfterSeconds) || Number(raw.expireAfterSeconds) < 0)
      throw mongoError('InvalidOptions', 'TTL index expireAfterSeconds option must be a non-negative number');
    spec.expireAfterSeconds = Number(raw.expireAfterSeconds);
  }
  for (const [k, v] of Object.entries(raw)) if (!KNOWN_OPTIONS.has(k)) spec[k] = v;
  if (raw.collation !== undefined) spec.collation = raw.collation;
  if (raw.hidden !== undefined) spec.hidden = raw.hidden;
  if (name === '_id_' && (Object.keys(normKey).join() !== '_id' || spec.unique === false))
    throw mongoError('BadValue', "The index name '_id_' is reserved for the _id index");
  return spec;
}

/** Same key pattern (field order and directions). */
export function sameKey(a: IndexSpec, b: IndexSpec): boolean {
  return bsonEquals(a.key, b.key);
}

/** Same options that matter to MongoDB's "equivalent index" check. */
export function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return (
    !!a.unique === !!b.unique &&
    !!a.sparse === !!b.sparse &&
    a.expireAfterSeconds === b.expireAfterSeconds &&
    bsonEquals(a.partialFilterExpression ?? null, b.partialFilterExpression ?? null) &&
    bsonEquals(a.collation ?? null, b.collation ?? null)
  );
}
