/**
 * The one BSON comparator every query, sort, index and update operator uses: MongoDB's canonical type order
 * first, then values (numbers by value across types, strings in UTF-8 byte order, documents field by field).
 */
import type { Binary, ObjectId, Timestamp } from 'bson';
import { Rank, bsonTag, typeRank } from './bson-types';
import { compareNumbers } from './numbers';

/** How two strings compare: binary (UTF-8) order, or a collation's. */
export type StringCompare = (a: string, b: string) => number;

/** Compares two strings in UTF-8 byte order (JS `<` is UTF-16 order, which differs above U+D7FF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (astral code points) encode above U+E000..U+FFFF in UTF-8.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

function compareObjectIds(a: ObjectId, b: ObjectId): number {
  const x = a as unknown as { i0: number; i1: number; i2: number; i3: number };
  const y = b as unknown as { i0: number; i1: number; i2: number; i3: number };
  if (typeof x.i0 === 'number' && typeof y.i0 === 'number') {
    if (x.i0 !== y.i0) return x.i0 < y.i0 ? -1 : 1;
    if (x.i1 !== y.i1) return x.i1 < y.i1 ? -1 : 1;
    if (x.i2 !== y.i2) return x.i2 < y.i2 ? -1 : 1;
    if (x.i3 !== y.i3) return x.i3 < y.i3 ? -1 : 1;
    return 0;
  }
  return compareBytes(a.id, b.id);
}

function compareUnsigned(a: number, b: number): number {
  const x = a >>> 0;
  const y = b >>> 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareDocs(a: Record<string, unknown>, b: Record<string, unknown>, sc: StringCompare): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const va = a[ka[i]];
    const vb = b[kb[i]];
    const ta = typeRank(va);
    const tb = typeRank(vb);
    if (ta !== tb) return ta < tb ? -1 : 1;
    // Field names are always compared in binary order; a collation applies to string values only.
    const c = compareStrings(ka[i], kb[i]) || compareWith(va, vb, sc);
    if (c !== 0) return c;
  }
  return ka.length < kb.length ? -1 : ka.length > kb.length ? 1 : 0;
}

function compareArrays(a: unknown[], b: unknown[], sc: StringCompare): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareWith(a[i], b[i], sc);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** MongoDB's total order over BSON values: negative, 0 or positive. Missing (undefined) ranks as null. */
export function bsonCompare(a: unknown, b: unknown): number {
  return compareWith(a, b, compareStrings);
}

/** MongoDB's order with strings compared by `sc` (a collation), at any depth. */
export function bsonCompareWith(sc: StringCompare): (a: unknown, b: unknown) => number {
  return (a, b) => compareWith(a, b, sc);
}

function compareWith(a: unknown, b: unknown, sc: StringCompare): number {
  if (a === b) return 0;
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') return compareNumbers(a, b);
    if (ta === 'string') return sc(a as string, b as string);
  }
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case Rank.Null:
    case Rank.MinKey:
    case Rank.MaxKey:
      return 0;
    case Rank.Number:
      return compareNumbers(a, b);
    case Rank.String:
      return sc(String(stringValue(a)), String(stringValue(b)));
    case Rank.Object:
      return compareDocs(docValue(a), docValue(b), sc);
    case Rank.Array:
      return compareArrays(a as unknown[], b as unknown[], sc);
    case Rank.Binary: {
      const x = a as Binary;
      const y = b as Binary;
      const bx = x.buffer.subarray(0, x.position);
      const by = y.buffer.subarray(0, y.position);
      if (bx.length !== by.length) return bx.length < by.length ? -1 : 1;
      if (x.sub_type !== y.sub_type) return x.sub_type < y.sub_type ? -1 : 1;
      return compareBytes(bx, by);
    }
    case Rank.ObjectId:
      return compareObjectIds(a as ObjectId, b as ObjectId);
    case Rank.Boolean:
      return a === b ? 0 : a ? 1 : -1;
    case Rank.Date: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case Rank.Timestamp: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return compareUnsigned(x.t, y.t) || compareUnsigned(x.i, y.i);
    }
    case Rank.Regex: {
      const [ps, fs] = regexParts(a);
      const [qs, gs] = regexParts(b);
      return compareStrings(ps, qs) || compareStrings(fs, gs);
    }
    default:
      return compareStrings(String((a as { code?: unknown }).code), String((b as { code?: unknown }).code));
  }
}

function stringValue(v: unknown): unknown {
  return typeof v === 'string' ? v : (v as { value: string }).value;
}

function docValue(v: unknown): Record<string, unknown> {
  if (bsonTag(v) === 'DBRef') {
    const r = v as { collection: string; oid: unknown; db?: string };
    return r.db ? { $ref: r.collection, $id: r.oid, $db: r.db } : { $ref: r.collection, $id: r.oid };
  }
  return v as Record<string, unknown>;
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

/** Equality as MongoDB queries see it: equal values, numbers across types, field order significant. */
export function bsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b) === 0;
  return bsonCompare(a, b) === 0;
}

/**
 * True when two values would encode to the same BSON bytes as far as decoded values can tell: like
 * `bsonEquals` but numbers of different kinds (1 vs Long(1)) differ. Decides nModified and no-op writes.
 */
export function identical(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || !Object.is(a, -0) === !Object.is(b, -0);
  const ta = typeof a;
  if (ta !== typeof b) return false;
  if (ta === 'number') return Number.isNaN(a as number) && Number.isNaN(b as number);
  if (ta !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!identical(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const tagA = bsonTag(a);
  if (tagA !== bsonTag(b)) return false;
  if (tagA === undefined && !(a instanceof Date) && !(a instanceof RegExp)) {
    if (b instanceof Date || b instanceof RegExp) return false;
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return false;
      if (!identical((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]]))
        return false;
    }
    return true;
  }
  if ((a as object).constructor !== (b as object).constructor) return false;
  if (tagA === 'Decimal128') return String(a) === String(b);
  return bsonCompare(a, b) === 0;
}
