/**
 * Compiled query filters: mingo `Query` objects over the BSON-aware context, cached by the filter's value
 * (the same filters repeat with every request; compiling one costs far more than looking it up).
 */
import { Query } from 'mingo/query';
import { MongoError, mongoError } from '../errors';
import { bsonTag, isPlainObject } from './bson-types';
import { equalsPredicate, predicateMakers, queryValues } from './query-ops';
import { mingoOptions } from './mingo-context';
import { normalizeRegexes } from './regex';
import type { Doc } from './types';
import { valueKey } from './value-key';

/** A compiled filter. */
export interface Matcher {
  /** The filter with regexes normalised (what the planner analyses). */
  readonly filter: Doc;
  /** True for `{}`. */
  readonly matchAll: boolean;
  test(doc: Doc): boolean;
}

const MATCH_ALL: Matcher = { filter: {}, matchAll: true, test: () => true };
const CACHE_LIMIT = 2000;
const cache = new Map<string, Matcher>();

/** Turns errors thrown by mingo (plain Errors) into MongoDB's BadValue; MongoErrors pass through. */
export function asMongoError(e: unknown): MongoError {
  if (e instanceof MongoError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return mongoError('BadValue', message);
}

type Predicate = (doc: Doc) => boolean;

/**
 * Filters that are conjunctions of plain comparisons on fields (`{a: 1, b: {$gte: 2, $in: [...]}}`), the bulk
 * of what applications send, compile here directly, without mingo and without the cache.
 */
function compileSimple(filter: Doc): Matcher | undefined {
  const preds: Predicate[] = [];
  for (const field of Object.keys(filter)) {
    if (field.charCodeAt(0) === 36 /* $ */) return undefined;
    const cond = filter[field];
    if (cond instanceof RegExp || bsonTag(cond) === 'BSONRegExp') return undefined;
    if (isPlainObject(cond) && Object.keys(cond).some((k) => k.charCodeAt(0) === 36)) {
      for (const [op, value] of Object.entries(cond)) {
        const maker = predicateMakers[op];
        if (!maker || containsRegex(value)) return undefined;
        const test = maker.make(value);
        preds.push(maker.negate ? (d) => !test(queryValues(d, field)) : (d) => test(queryValues(d, field)));
      }
    } else {
      const test = equalsPredicate(cond);
      preds.push((d) => test(queryValues(d, field)));
    }
  }
  const test =
    preds.length === 1
      ? preds[0]
      : (doc: Doc) => {
          for (const p of preds) if (!p(doc)) return false;
          return true;
        };
  return { filter, matchAll: false, test };
}

function containsRegex(v: unknown): boolean {
  if (v instanceof RegExp || bsonTag(v) === 'BSONRegExp') return true;
  return Array.isArray(v) && v.some(containsRegex);
}

/** Compiles (or fetches from the cache) the matcher of a filter document. */
export function compileFilter(filter: unknown): Matcher {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (!isPlainObject(filter)) throw mongoError('TypeMismatch', 'filter must be an object');
  let first = true;
  for (const _ in filter) {
    first = false;
    break;
  }
  if (first) return MATCH_ALL;
  const simple = compileSimple(filter);
  if (simple) return simple;
  const key = valueKey(filter);
  const hit = cache.get(key);
  if (hit) return hit;
  const normalized = normalizeRegexes(filter) as Doc;
  let query: Query;
  try {
    query = new Query(normalized, mingoOptions());
  } catch (e) {
    throw asMongoError(e);
  }
  const m: Matcher = {
    filter: normalized,
    matchAll: false,
    test: (doc) => {
      try {
        return query.test(doc);
      } catch (e) {
        throw asMongoError(e);
      }
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, m);
  return m;
}
