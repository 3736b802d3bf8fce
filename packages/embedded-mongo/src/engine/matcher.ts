/**
 * Compiled query filters: mingo `Query` objects over the BSON-aware context, cached by the filter's value
 * (the same filters repeat with every request; compiling one costs far more than looking it up).
 */
import { Query } from 'mingo/query';
import { MongoError, mongoError } from '../errors';
import { bsonTag, isPlainObject } from './bson-types';
import type { Collation } from './collation';
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
  /** The query's collation: strings compare under it, so binary-ordered indexes cannot answer it. */
  readonly collation?: Collation;
  test(doc: Doc): boolean;
}

/** What a filter is compiled with besides itself. */
export interface FilterOptions {
  /** A non-simple collation (see `parseCollation`). */
  collation?: Collation;
  /** `let` variables (`$$name` in `$expr`), already evaluated. */
  variables?: Doc;
}

const MATCH_ALL: Matcher = { filter: {}, matchAll: true, test: () => true };
const CACHE_LIMIT = 2000;
const cache = new Map<string, Matcher>();

/** Turns errors thrown by mingo (plain Errors) into MongoDB's BadValue; MongoErrors pass through. */
export function asMongoError(e: unknown): MongoError {
  if (e instanceof MongoError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const stage = /^unregistered pipeline operator (.*)\.$/.exec(message);
  if (stage) return mongoError('Location40324', `Unrecognized pipeline stage name: '${stage[1]}'`);
  return mongoError('BadValue', message);
}

type Predicate = (doc: Doc) => boolean;

/**
 * Filters that are conjunctions of plain comparisons on fields (`{a: 1, b: {$gte: 2, $in: [...]}}`), the bulk
 * of what applications send, compile here directly, without mingo and without the cache.
 */
function compileSimple(filter: Doc, collation?: Collation): Matcher | undefined {
  const cmp = collation?.compare;
  const preds: Predicate[] = [];
  for (const field of Object.keys(filter)) {
    if (field.charCodeAt(0) === 36 /* $ */) return undefined;
    const cond = filter[field];
    if (cond instanceof RegExp || bsonTag(cond) === 'BSONRegExp') return undefined;
    if (isPlainObject(cond) && Object.keys(cond).some((k) => k.charCodeAt(0) === 36)) {
      for (const [op, value] of Object.entries(cond)) {
        const test = op === '$not' ? notTest(value, cmp) : operatorTest(op, value, cmp);
        if (!test) return undefined;
        preds.push((d) => test(queryValues(d, field)));
      }
    } else {
      const test = equalsPredicate(cond, cmp);
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
  return { filter, matchAll: false, collation, test };
}

type ValuesTest = (values: unknown[]) => boolean;

/** The test of one comparison operator on a field's values; undefined when only mingo can run it. */
function operatorTest(op: string, value: unknown, cmp?: Collation['compare']): ValuesTest | undefined {
  const maker = predicateMakers[op];
  if (!maker || containsRegex(value)) return undefined;
  const test = maker.make(value, cmp);
  return maker.negate ? (cs) => !test(cs) : test;
}

/**
 * `{$not: {ops}}`: true where the operators' conjunction is false, a missing field included (as MongoDB's
 * `$not`). A regex, an empty or a nested `$not` is left to mingo (and its errors).
 */
function notTest(value: unknown, cmp?: Collation['compare']): ValuesTest | undefined {
  if (!isPlainObject(value)) return undefined;
  const tests: ValuesTest[] = [];
  for (const [op, v] of Object.entries(value)) {
    const test = operatorTest(op, v, cmp);
    if (!test) return undefined;
    tests.push(test);
  }
  if (tests.length === 0) return undefined;
  return (cs) => {
    for (const t of tests) if (!t(cs)) return true;
    return false;
  };
}

function containsRegex(v: unknown): boolean {
  if (v instanceof RegExp || bsonTag(v) === 'BSONRegExp') return true;
  return Array.isArray(v) && v.some(containsRegex);
}

function cacheKey(filter: Doc, opts: FilterOptions): string {
  let key = valueKey(filter, true);
  if (opts.collation) key += `\0c${JSON.stringify(opts.collation.spec)}`;
  if (opts.variables) key += `\0v${valueKey(opts.variables, true)}`;
  return key;
}

/** Compiles (or fetches from the cache) the matcher of a filter document. */
export function compileFilter(filter: unknown, opts: FilterOptions = {}): Matcher {
  const all = opts.collation ? { ...MATCH_ALL, collation: opts.collation } : MATCH_ALL;
  if (filter === undefined || filter === null) return all;
  if (!isPlainObject(filter)) throw mongoError('TypeMismatch', 'filter must be an object');
  let first = true;
  for (const _ in filter) {
    first = false;
    break;
  }
  if (first) return all;
  const simple = compileSimple(filter, opts.collation);
  if (simple) return simple;
  const key = cacheKey(filter, opts);
  const hit = cache.get(key);
  if (hit) return hit;
  const normalized = normalizeRegexes(filter) as Doc;
  let query: Query;
  try {
    query = new Query(
      normalized,
      mingoOptions({
        ...(opts.collation ? { collation: opts.collation.spec as never } : {}),
        ...(opts.variables ? { variables: opts.variables } : {}),
      }),
    );
  } catch (e) {
    throw asMongoError(e);
  }
  const m: Matcher = {
    filter: normalized,
    matchAll: false,
    collation: opts.collation,
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
