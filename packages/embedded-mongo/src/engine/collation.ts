/**
 * Collations (`{locale, strength, caseLevel, caseFirst, numericOrdering, alternate, ...}`): how strings compare
 * in a query, sort, distinct, update or delete that carries one. Built on ICU through `Intl.Collator`, which is
 * what MongoDB uses too; `locale: "simple"` (or no collation) is plain binary order.
 */
import { mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import { bsonCompareWith, type StringCompare } from './compare';
import type { Doc } from './types';

/** A non-simple collation, ready to compare. */
export interface Collation {
  /** The specification as the client sent it (mingo's `collation` option takes it as is). */
  readonly spec: Doc;
  /** Compares two strings under the collation. */
  readonly compareStrings: StringCompare;
  /** MongoDB's order over any two values, strings compared under the collation. */
  readonly compare: (a: unknown, b: unknown) => number;
}

const FIELDS = new Set([
  'locale',
  'strength',
  'caseLevel',
  'caseFirst',
  'numericOrdering',
  'alternate',
  'maxVariable',
  'normalization',
  'backwards',
  'version',
]);

const cache = new Map<string, Collation>();
const CACHE_LIMIT = 100;

function sensitivity(strength: number, caseLevel: boolean): Intl.CollatorOptions['sensitivity'] {
  if (strength === 1) return caseLevel ? 'case' : 'base';
  if (strength === 2) return caseLevel ? 'variant' : 'accent';
  return 'variant';
}

/**
 * Parses a command's `collation`; undefined for none or `{locale: "simple"}`. Throws BadValue for what MongoDB
 * refuses (unknown fields, a missing or unknown locale, a strength outside 1..5).
 */
export function parseCollation(raw: unknown): Collation | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw)) throw mongoError('TypeMismatch', 'collation must be an object');
  for (const k of Object.keys(raw))
    if (!FIELDS.has(k)) throw mongoError('BadValue', `BSON field 'collation.${k}' is an unknown field.`);
  if (typeof raw.locale !== 'string')
    throw mongoError('BadValue', "BSON field 'collation.locale' is missing but a required field");
  if (raw.locale === 'simple') return undefined;
  const key = JSON.stringify(raw);
  const hit = cache.get(key);
  if (hit) return hit;
  const strength = raw.strength === undefined ? 3 : Number(raw.strength);
  if (!Number.isInteger(strength) || strength < 1 || strength > 5)
    throw mongoError('BadValue', `collation strength must be an integer from 1 to 5, found ${raw.strength}`);
  const locale = raw.locale.replace(/_/g, '-');
  if (Intl.Collator.supportedLocalesOf([locale]).length === 0)
    throw mongoError('BadValue', `Field 'locale' is invalid in: ${JSON.stringify(raw)}`);
  const collator = new Intl.Collator(locale, {
    usage: 'sort',
    sensitivity: sensitivity(strength, raw.caseLevel === true),
    numeric: raw.numericOrdering === true,
    caseFirst: raw.caseFirst === 'upper' || raw.caseFirst === 'lower' ? raw.caseFirst : 'false',
    ignorePunctuation: raw.alternate === 'shifted',
  });
  const compareStrings: StringCompare = (a, b) => (a === b ? 0 : collator.compare(a, b));
  const collation: Collation = { spec: raw, compareStrings, compare: bsonCompareWith(compareStrings) };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, collation);
  return collation;
}
