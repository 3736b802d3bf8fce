/**
 * BSON-aware replacements for mingo's comparison query operators: `$eq $ne $in $nin $gt $gte $lt $lte $type`,
 * all built on `bsonCompare` with MongoDB's array traversal and type bracketing.
 */
import type { QueryOperator } from 'mingo/types';
import { mongoError } from '../errors';
import { Rank, TYPE_CODES, bsonTypeName, isNumeric, typeRank } from './bson-types';
import { bsonCompare, bsonEquals } from './compare';
import { collectValues, splitPath } from './paths';
import { valueKey } from './value-key';

/** The values a path stands for in a document: the value, elements of an array value, and through arrays. */
export function queryValues(obj: unknown, selector: string): unknown[] {
  if (selector.indexOf('.') < 0 && obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    const v = (obj as Record<string, unknown>)[selector];
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

/** A predicate "some candidate equals value" (null also matches missing). */
export function equalsPredicate(value: unknown): (candidates: unknown[]) => boolean {
  if (value === null || value === undefined) return (cs) => cs.some(isNullish);
  if (typeof value === 'string') return (cs) => cs.some((c) => c === value);
  return (cs) => {
    for (const c of cs) if (bsonEquals(c, value)) return true;
    return false;
  };
}

function inPredicate(values: unknown): (candidates: unknown[]) => boolean {
  if (!Array.isArray(values)) throw mongoError('BadValue', '$in needs an array');
  const regexes = values.filter((v): v is RegExp => v instanceof RegExp);
  const plain = values.filter((v) => !(v instanceof RegExp));
  const matchNull = plain.some(isNullish);
  const keys = plain.length > 8 ? new Set(plain.map(valueKey)) : undefined;
  return (cs) => {
    for (const c of cs) {
      if (isNullish(c)) {
        if (matchNull) return true;
        continue;
      }
      if (typeof c === 'string' && regexes.some((r) => r.test(c))) return true;
      if (keys ? keys.has(valueKey(c)) : plain.some((p) => bsonEquals(c, p))) return true;
    }
    return false;
  };
}

type Cmp = (c: number) => boolean;

function rangePredicate(value: unknown, ok: Cmp, inclusive: boolean): (candidates: unknown[]) => boolean {
  if (value instanceof RegExp) throw mongoError('BadValue', 'Cannot use a regex with a range operator');
  const rank = typeRank(value);
  if (rank === Rank.Null) return inclusive ? (cs) => cs.some(isNullish) : () => false;
  const anyType = rank === Rank.MinKey || rank === Rank.MaxKey;
  const arrays = Array.isArray(value);
  return (cs) => {
    for (const c of cs) {
      if (Array.isArray(c) && !arrays) continue;
      if (!anyType && typeRank(c) !== rank) continue;
      if (ok(bsonCompare(c, value))) return true;
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

function existsPredicate(want: unknown): (cs: unknown[]) => boolean {
  return want ? (cs) => cs.some((c) => c !== undefined) : (cs) => cs.every((c) => c === undefined);
}

/** Predicate makers by operator, for the fast matcher of simple filters. */
export const predicateMakers: Record<
  string,
  { make: (value: unknown) => (cs: unknown[]) => boolean; negate: boolean }
> = {
  $eq: { make: equalsPredicate, negate: false },
  $ne: { make: equalsPredicate, negate: true },
  $in: { make: inPredicate, negate: false },
  $nin: { make: inPredicate, negate: true },
  $gt: { make: (v) => rangePredicate(v, (c) => c > 0, false), negate: false },
  $gte: { make: (v) => rangePredicate(v, (c) => c >= 0, true), negate: false },
  $lt: { make: (v) => rangePredicate(v, (c) => c < 0, false), negate: false },
  $lte: { make: (v) => rangePredicate(v, (c) => c <= 0, true), negate: false },
  $exists: { make: existsPredicate, negate: false },
};

function op(make: (value: unknown) => (cs: unknown[]) => boolean, negate = false): QueryOperator {
  return ((selector: string, value: unknown) => {
    const test = make(value);
    return negate
      ? (obj: unknown) => !test(queryValues(obj, selector))
      : (obj: unknown) => test(queryValues(obj, selector));
  }) as unknown as QueryOperator;
}

/** The operators, to be registered in the mingo Context (they replace mingo's). */
export const bsonQueryOps: Record<string, QueryOperator> = {
  $eq: op(equalsPredicate),
  $ne: op(equalsPredicate, true),
  $in: op(inPredicate),
  $nin: op(inPredicate, true),
  $gt: op((v) => rangePredicate(v, (c) => c > 0, false)),
  $gte: op((v) => rangePredicate(v, (c) => c >= 0, true)),
  $lt: op((v) => rangePredicate(v, (c) => c < 0, false)),
  $lte: op((v) => rangePredicate(v, (c) => c <= 0, true)),
  $type: op((spec) => {
    const m = typeMatcher(spec);
    return (cs) => cs.some(m);
  }),
};
