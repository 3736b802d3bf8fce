/**
 * How many BSON bytes an operator update adds to a document, measured on the changed paths only. Measuring
 * whole top-level fields made `$inc: {'buyers.<id>.q': 1}` re-measure a map of every buyer on each write.
 *
 * Exact, not an estimate: an embedded document's or array's BSON size is a fixed header plus its elements, so a
 * field that grows by `d` bytes grows every enclosing document by the same `d`. The walk goes down a path while
 * both versions hold a plain sub-document there and measures the field where they first differ in kind (absent,
 * an array, a scalar) or where the path ends, once per such field.
 */
import { fieldSize } from './bson-size';
import { isPlainObject } from './bson-types';
import type { Doc } from './types';
import type { UndoLog } from './update/in-place';

const hasOwn = (o: Doc, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * `bsonSize(next) - bsonSize(old)` when `next` differs from `old` only at `paths` (dot-separated, as operator
 * updates report them in `updatedFields` / `removedFields`); `undo` holds the old values of fields changed in
 * place.
 */
export function sizeDelta(old: Doc, next: Doc, paths: Iterable<string>, undo?: UndoLog): number {
  /** Measured field → the old field (present, value) and the container holding the new one. */
  const points = new Map<string, [boolean, unknown, Doc, string]>();
  for (const path of paths) {
    const segs = path.split('.');
    let o = old;
    let n = next;
    for (let j = 0; j < segs.length; j++) {
      const key = segs[j];
      // A container the update changed in place is the same object in both versions: its log has the old value.
      const logged = undo?.before(o, key);
      const had = logged ? logged.had : hasOwn(o, key);
      const ov = logged ? logged.old : had ? o[key] : undefined;
      const nv = hasOwn(n, key) ? n[key] : undefined;
      if (j === segs.length - 1 || !isPlainObject(ov) || !isPlainObject(nv)) {
        points.set(j === segs.length - 1 ? path : segs.slice(0, j + 1).join('.'), [had, ov, n, key]);
        break;
      }
      o = ov;
      n = nv;
    }
  }
  let delta = 0;
  for (const [point, [had, ov, n, key]] of points) {
    if (coveredByAncestor(point, points)) continue;
    if (had) delta -= fieldSize(key, ov);
    if (hasOwn(n, key)) delta += fieldSize(key, n[key]);
  }
  return delta;
}

/** Whether a strict prefix of `point` is measured too (its change already includes this one). */
function coveredByAncestor(point: string, points: Map<string, unknown>): boolean {
  for (let dot = point.indexOf('.'); dot >= 0; dot = point.indexOf('.', dot + 1))
    if (points.has(point.slice(0, dot))) return true;
  return false;
}
