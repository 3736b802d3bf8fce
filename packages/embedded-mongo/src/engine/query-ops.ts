/**
 * BSON-aware replacements for mingo's comparison query operators: `$eq $ne $in $nin $gt $gte $lt $lte $type`,
 * all built on `bsonCompare` with MongoDB's array traversal and type bracketing.
 */
import type { Options, QueryOperator } from 'mingo/types';
import { mongoError } from '../errors';
import * as mingoQueryOps from 'mingo/operators/query';
import {
  Rank,
  TYPE_CODES,
  bsonTag,
  bsonTypeName,
  dbrefDoc,
  isNumeric,
  isPlainObject,
  typeRank,
} from './bson-types';
import { BIT_OPERATORS, bitsPredicate } from './bits';
import { compileFilter } from './matcher';
import { parseCollation } from './collation';
import { bsonCompare, bsonEquals } from './compare';
import { collectValues, getPath, ownValue, splitPath } from './paths';
import { valueKey } from './value-key';

/** The values a path stands for in a document: the value, elements of an array value, and through arrays. */
export function queryValues(obj: unknown, selector: string): unknown[] {
  if (selector.indexOf('.') < 0 && obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    const v = ownValue(obj as Record<string, unknown>, selector);
    if (!Array.isArray(v)) return [v];
    return [v, ...v];
  }
  const out: unknown[] = [];
  collectValues(obj, splitPath(selector), 0, 'query', out);
  return out;
}

function isNullish(v: unknown): boolean {
  return v === null || v === undefined;
}

/** MongoDB's order over values; a collation's when the query has one. */
export type Compare = (a: unknown, b: unknown) => number;

/** A predicate "some candidate equals value" (null also matches missing); `cmp` for a collation. */
export function equalsPredicate(value: unknown, cmp?: Compare): (candidates: unknown[]) => boolean {
  if (value === null || value === undefined) return (cs) => cs.some(isNullish);
  if (cmp) return (cs) => cs.some((c) => cmp(c, value) === 0);
  if (typeof value === 'string') return (cs) => cs.some((c) => c === value);
  return (cs) => {
    for (const c of cs) if (bsonEquals(c, value)) return true;
    return false;
  };
}

function inPredicate(values: unknown, cmp?: Compare): (candidates: unknown[]) => boolean {
  if (!Array.isArray(values)) throw mongoError('BadValue', '$in needs an array');
  const regexes = values.filter((v): v is RegExp => v instanceof RegExp);
  const plain = values.filter((v) => !(v instanceof RegExp));
  const matchNull = plain.some(isNullish);
  const keys = plain.length > 8 && !cmp ? new Set(plain.map((p) => valueKey(p))) : undefined;
  const equals = cmp ? (a: unknown, b: unknown) => cmp(a, b) === 0 : bsonEquals;
  return (cs) => {
    for (const c of cs) {
      if (isNullish(c)) {
        if (matchNull) return true;
        continue;
      }
      if (typeof c === 'string' && regexes.some((r) => r.test(c))) return true;
      if (keys ? keys.has(valueKey(c)) : plain.some((p) => equals(c, p))) return true;
    }
    return false;
  };
}

type Cmp = (c: number) => boolean;

function rangePredicate(
  value: unknown,
  ok: Cmp,
  inclusive: boolean,
  cmp: Compare = bsonCompare,
): (candidates: unknown[]) => boolean {
  if (value instanceof RegExp) throw mongoError('BadValue', 'Cannot use a regex with a range operator');
  const rank = typeRank(value);
  if (rank === Rank.Null) return inclusive ? (cs) => cs.some(isNullish) : () => false;
  const anyType = rank === Rank.MinKey || rank === Rank.MaxKey;
  const arrays = Array.isArray(value);
  return (cs) => {
    for (const c of cs) {
      if (Array.isArray(c) && !arrays) continue;
      if (!anyType && typeRank(c) !== rank) continue;
      if (ok(cmp(c, value))) return true;
    }
    return false;
  };
}

function typeMatcher(spec: unknown): (v: unknown) => boolean {
  const names = (Array.isArray(spec) ? spec : [spec]).map((t) => {
    if (typeof t === 'number' || isNumeric(t)) {
      const name = TYPE_CODES[Number(t)];
      if (!name) throw mongoError('BadValue', `Invalid numerical type code: ${String(t)}`);
      return name;
    }
    if (typeof t !== 'string' || (!Object.values(TYPE_CODES).includes(t) && t !== 'number'))
      throw mongoError('BadValue', `Unknown type name alias: ${String(t)}`);
    return t;
  });
  return (v) => {
    if (v === undefined) return false;
    const n = bsonTypeName(v);
    return names.some((t) => t === n || (t === 'number' && isNumeric(v)));
  };
}

/** `{$mod: [divisor, remainder]}` on numbers of any type, truncated to integers as MongoDB does. */
function modPredicate(spec: unknown): (cs: unknown[]) => boolean {
  if (!Array.isArray(spec) || spec.length !== 2)
    throw mongoError('BadValue', 'malformed mod, needs to be an array of two numbers');
  if (!isNumeric(spec[0]) || !isNumeric(spec[1]))
    throw mongoError('BadValue', 'malformed mod, divisor and remainder must be numbers');
  const [d, r] = spec.map((x) => Number(x));
  if (!Number.isFinite(d) || !Number.isFinite(r))
    throw mongoError('BadValue', 'malformed mod, divisor and remainder must be finite numbers');
  if (Math.trunc(d) === 0) throw mongoError('BadValue', 'divisor cannot be 0');
  const divisor = BigInt(Math.trunc(d));
  const remainder = BigInt(Math.trunc(r));
  return (cs) =>
    cs.some((c) => {
      if (!isNumeric(c) || bsonTag(c) === 'Decimal128') return false;
      const x = bsonTag(c) === 'Long' ? BigInt(String(c)) : Number(c);
      if (typeof x === 'number' && !Number.isFinite(x)) return false;
      const n = typeof x === 'bigint' ? x : BigInt(Math.trunc(x));
      return n % divisor === remainder;
    });
}

function existsPredicate(want: unknown): (cs: unknown[]) => boolean {
  return want ? (cs) => cs.some((c) => c !== undefined) : (cs) => cs.every((c) => c === undefined);
}

type MakePredicate = (value: unknown, cmp?: Compare) => (cs: unknown[]) => boolean;

/** Predicate makers by operator, for the fast matcher of simple filters (`cmp` for a collation). */
export const predicateMakers: Record<string, { make: MakePredicate; negate: boolean }> = {
  $eq: { make: equalsPredicate, negate: false },
  $ne: { make: equalsPredicate, negate: true },
  $in: { make: inPredicate, negate: false },
  $nin: { make: inPredicate, negate: true },
  $gt: { make: (v, cmp) => rangePredicate(v, (c) => c > 0, false, cmp), negate: false },
  $gte: { make: (v, cmp) => rangePredicate(v, (c) => c >= 0, true, cmp), negate: false },
  $lt: { make: (v, cmp) => rangePredicate(v, (c) => c < 0, false, cmp), negate: false },
  $lte: { make: (v, cmp) => rangePredicate(v, (c) => c <= 0, true, cmp), negate: false },
  $exists: { make: existsPredicate, negate: false },
};

/** The comparator of the collation in mingo's options, if the query has one. */
export function collationCompare(options: Options | undefined): Compare | undefined {
  return parseCollation((options as { collation?: unknown } | undefined)?.collation)?.compare;
}

function op(make: MakePredicate, negate = false): QueryOperator {
  return ((selector: string, value: unknown, options: Options) => {
    const test = make(value, collationCompare(options));
    return negate
      ? (obj: unknown) => !test(queryValues(obj, selector))
      : (obj: unknown) => test(queryValues(obj, selector));
  }) as unknown as QueryOperator;
}

/**
 * `$all`: every listed value is matched as an equality (or a regex, or an `$elemMatch`) would be, so `{qty:
 * {$all: [5]}}` matches `qty: 5` as well as `qty: [5, 6]`, as MongoDB's `$and` of equalities does. An empty
 * list matches nothing.
 */
const allOp = ((selector: string, value: unknown, options: Options) => {
  if (!Array.isArray(value)) throw mongoError('BadValue', '$all needs an array');
  if (value.length === 0) return () => false;
  const collation = parseCollation((options as { collation?: unknown } | undefined)?.collation);
  const tests = value.map((e) => {
    const cond = e instanceof RegExp || (isPlainObject(e) && '$elemMatch' in e) ? e : { $eq: e };
    return compileFilter({ [selector]: cond }, { collation });
  });
  return (obj: unknown) => isPlainObject(obj) && tests.every((m) => m.test(obj));
}) as unknown as QueryOperator;

const mingoElemMatch = mingoQueryOps.$elemMatch as unknown as (
  selector: string,
  value: unknown,
  options: Options,
) => (obj: unknown) => boolean;

function isDbRefCriteria(v: unknown): boolean {
  if (bsonTag(v) === 'DBRef') return true;
  return isPlainObject(v) && ('$ref' in v || '$id' in v || '$db' in v);
}

/**
 * `$elemMatch` whose criteria name DBRef fields (`{$ref: 'users', $id: id}`; the driver decodes such a
 * criteria object as a DBRef): each element that is a DBRef (or a document with those fields) is tested field
 * by field. Other criteria go to mingo's `$elemMatch`.
 */
const elemMatchOp = ((selector: string, value: unknown, options: Options) => {
  if (!isDbRefCriteria(value)) return mingoElemMatch(selector, value, options);
  const criteria = bsonTag(value) === 'DBRef' ? dbrefDoc(value) : (value as Record<string, unknown>);
  const cmp = collationCompare(options);
  const tests = Object.entries(criteria).map(([field, cond]) => {
    let test: (cs: unknown[]) => boolean = equalsPredicate(cond, cmp);
    if (
      isPlainObject(cond) &&
      Object.keys(cond).length > 0 &&
      Object.keys(cond).every((k) => k in predicateMakers)
    ) {
      const parts = Object.entries(cond).map(([o, v]) => {
        const t = predicateMakers[o].make(v, cmp);
        return predicateMakers[o].negate ? (cs: unknown[]) => !t(cs) : t;
      });
      test = (cs) => parts.every((t) => t(cs));
    }
    return { field, test };
  });
  const matches = (e: unknown): boolean => {
    const doc = bsonTag(e) === 'DBRef' ? dbrefDoc(e) : e;
    return isPlainObject(doc) && tests.every(({ field, test }) => test(queryValues(doc, field)));
  };
  return (obj: unknown) => {
    const arr = getPath(obj, splitPath(selector));
    if (Array.isArray(arr)) return arr.some(matches);
    const values = queryValues(obj, selector);
    return values.some((v) => Array.isArray(v) && v.some(matches));
  };
}) as unknown as QueryOperator;

/** The operators, to be registered in the mingo Context (they replace mingo's). */
export const bsonQueryOps: Record<string, QueryOperator> = {
  $eq: op(equalsPredicate),
  $ne: op(equalsPredicate, true),
  $in: op(inPredicate),
  $nin: op(inPredicate, true),
  $gt: op(predicateMakers.$gt.make),
  $gte: op(predicateMakers.$gte.make),
  $lt: op(predicateMakers.$lt.make),
  $lte: op(predicateMakers.$lte.make),
  $all: allOp,
  $mod: op(modPredicate),
  $elemMatch: elemMatchOp,
  ...Object.fromEntries(BIT_OPERATORS.map((name) => [name, op((mask) => bitsPredicate(name, mask))])),
  $type: op((spec) => {
    const m = typeMatcher(spec);
    return (cs) => cs.some(m);
  }),
};
