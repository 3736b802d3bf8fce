/**
 * Dotted paths through documents and arrays, the way MongoDB resolves them: a non-numeric segment applied to
 * an array fans out over its elements.
 */
import { bsonTag, dbrefDoc, isPlainObject } from './bson-types';

const segCache = new Map<string, string[]>();
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A document's own field (undefined when absent): names JavaScript objects inherit (`constructor`,
 * `toString`, `__proto__`...) are not fields.
 */
export function ownValue(obj: Record<string, unknown>, key: string): unknown {
  return hasOwn.call(obj, key) ? obj[key] : undefined;
}

/** Splits a dotted path (cached; paths repeat across operations). */
export function splitPath(path: string): string[] {
  let segs = segCache.get(path);
  if (!segs) {
    segs = path.split('.');
    if (segCache.size > 10_000) segCache.clear();
    segCache.set(path, segs);
  }
  return segs;
}

/** True for an array index segment ("0", "12"). */
export function isIndexSegment(s: string): boolean {
  if (s.length === 0 || s.length > 9) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The leaf values at `segs`. `expand` also adds the elements of a leaf array ("query": the array itself and
 * its elements; "index": only the elements, an empty array counting as null). A missing leaf adds undefined.
 * Returns whether an array was met on the way (the index is multikey).
 */
export function collectValues(
  v: unknown,
  segs: string[],
  i: number,
  mode: 'query' | 'index',
  out: unknown[],
): boolean {
  if (i === segs.length) {
    if (Array.isArray(v)) {
      if (mode === 'query') {
        out.push(v);
        for (const e of v) out.push(e);
      } else if (v.length === 0) out.push(null);
      else for (const e of v) out.push(e);
      return true;
    }
    out.push(v);
    return false;
  }
  if (Array.isArray(v)) {
    const seg = segs[i];
    if (isIndexSegment(seg)) return collectValues(v[Number(seg)], segs, i + 1, mode, out) || true;
    if (v.length === 0) out.push(undefined);
    for (const e of v) {
      if (isPlainObject(e)) collectValues(ownValue(e, seg), segs, i + 1, mode, out);
      else if (bsonTag(e) === 'DBRef') collectValues(ownValue(dbrefDoc(e), seg), segs, i + 1, mode, out);
      else out.push(undefined);
    }
    return true;
  }
  if (isPlainObject(v)) return collectValues(ownValue(v, segs[i]), segs, i + 1, mode, out);
  if (bsonTag(v) === 'DBRef') return collectValues(ownValue(dbrefDoc(v), segs[i]), segs, i + 1, mode, out);
  out.push(undefined);
  return false;
}

/** The value at a dotted path without array fan-out (numeric segments index arrays); undefined if absent. */
export function getPath(doc: unknown, segs: string[]): unknown {
  let v: any = doc;
  for (const s of segs) {
    if (v === null || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) {
      if (!isIndexSegment(s)) return undefined;
      v = v[Number(s)];
    } else if (isPlainObject(v)) v = ownValue(v, s);
    else if (bsonTag(v) === 'DBRef') v = ownValue(dbrefDoc(v), s);
    else return undefined;
  }
  return v;
}
