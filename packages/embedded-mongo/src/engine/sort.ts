/**
 * Sorting in MongoDB order: BSON type order, the smallest array element for ascending keys and the largest
 * for descending ones, missing equal to null; stable.
 */
import { mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import { bsonCompare } from './compare';
import { collectValues, splitPath } from './paths';
import type { Doc } from './types';

/** One key of a sort specification. */
export interface SortKey {
  path: string;
  segs: string[];
  dir: 1 | -1;
}

/** Parses `{a: 1, b: -1}`; `{$meta: ...}` keys are ignored (no text search here). */
export function parseSort(spec: unknown): SortKey[] {
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) throw mongoError('BadValue', 'sort must be an object');
  const keys: SortKey[] = [];
  for (const [path, raw] of Object.entries(spec)) {
    if (isPlainObject(raw) && '$meta' in raw) continue;
    const n = Number(raw);
    if (n !== 1 && n !== -1)
      throw mongoError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    keys.push({ path, segs: splitPath(path), dir: n });
  }
  return keys;
}

/** How values compare: MongoDB's order, or with strings under a collation. */
export type Compare = (a: unknown, b: unknown) => number;

/** The value a document sorts by for one key. */
export function sortValue(doc: unknown, key: SortKey, cmp: Compare = bsonCompare): unknown {
  const out: unknown[] = [];
  collectValues(doc, key.segs, 0, 'index', out);
  if (out.length === 1) return out[0] ?? null;
  let best = out[0] ?? null;
  for (let i = 1; i < out.length; i++) {
    const c = cmp(out[i] ?? null, best);
    if (key.dir === 1 ? c < 0 : c > 0) best = out[i] ?? null;
  }
  return best;
}

/** Compares two documents by the keys (no tie-break). */
export function compareBy(keys: SortKey[]): (a: Doc, b: Doc) => number {
  return (a, b) => {
    for (const k of keys) {
      const c = bsonCompare(sortValue(a, k), sortValue(b, k));
      if (c !== 0) return c * k.dir;
    }
    return 0;
  };
}

/**
 * Returns the items sorted by the keys of `doc(item)` (stable; keys computed once per item); `cmp` compares
 * the key values (a collation's order when the query has one).
 */
export function sortDocs<T>(
  items: T[],
  keys: SortKey[],
  doc: (item: T) => Doc = (x) => x as Doc,
  cmp: Compare = bsonCompare,
): T[] {
  if (keys.length === 0 || items.length < 2) return items.slice();
  const decorated = items.map((item, i) => ({
    item,
    i,
    vals: keys.map((k) => sortValue(doc(item), k, cmp)),
  }));
  decorated.sort((a, b) => {
    for (let j = 0; j < keys.length; j++) {
      const c = cmp(a.vals[j], b.vals[j]);
      if (c !== 0) return c * keys[j].dir;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.item);
}
