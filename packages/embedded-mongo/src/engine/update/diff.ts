/**
 * The `updateDescription` of a write that replaces a document wholesale but counts as an update (pipeline
 * updates, `$merge`): MongoDB diffs the two versions, descending into embedded documents and arrays, so a
 * change stream sees `a.b` updated, `arr.3` set or `arr` truncated rather than whole top-level fields. Like
 * MongoDB, it keeps the finer diff of a sub-document or array only when that is smaller than its new value.
 */
import { fieldSize } from '../bson-size';
import { isPlainObject } from '../bson-types';
import { identical } from '../compare';
import type { Doc } from '../types';
import type { UpdateDescription } from './index';

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function empty(): UpdateDescription {
  return { updatedFields: {}, removedFields: [], truncatedArrays: [] };
}

/** Roughly the BSON bytes a diff takes (MongoDB compares its diff's size with the new value's). */
function diffSize(d: UpdateDescription): number {
  let n = 5;
  for (const [k, v] of Object.entries(d.updatedFields)) n += fieldSize(k, v);
  for (const k of d.removedFields) n += k.length + 3;
  for (const t of d.truncatedArrays) n += String(t.field).length + 12;
  return n;
}

function merge(into: UpdateDescription, from: UpdateDescription): void {
  Object.assign(into.updatedFields, from.updatedFields);
  into.removedFields.push(...from.removedFields);
  into.truncatedArrays.push(...from.truncatedArrays);
}

function diffValue(path: string, before: unknown, after: unknown, out: UpdateDescription): void {
  if (identical(before, after)) return;
  const sub = empty();
  if (isPlainObject(before) && isPlainObject(after) && sameFieldOrder(before, after))
    diffDocs(path, before, after, sub);
  else if (Array.isArray(before) && Array.isArray(after)) diffArrays(path, before, after, sub);
  else {
    out.updatedFields[path] = after;
    return;
  }
  if (diffSize(sub) < fieldSize(path, after)) merge(out, sub);
  else out.updatedFields[path] = after;
}

/** True when the fields both documents have come in the same relative order (else the field is rewritten). */
function sameFieldOrder(before: Doc, after: Doc): boolean {
  const common = Object.keys(after).filter((k) => k in before);
  const order = Object.keys(before).filter((k) => k in after);
  return common.every((k, i) => k === order[i]);
}

function diffDocs(prefix: string, before: Doc, after: Doc, out: UpdateDescription): void {
  for (const k of Object.keys(after)) {
    const path = join(prefix, k);
    if (!(k in before)) out.updatedFields[path] = after[k];
    else diffValue(path, before[k], after[k], out);
  }
  for (const k of Object.keys(before)) if (!(k in after)) out.removedFields.push(join(prefix, k));
}

function diffArrays(path: string, before: unknown[], after: unknown[], out: UpdateDescription): void {
  if (after.length < before.length) out.truncatedArrays.push({ field: path, newSize: after.length });
  for (let i = 0; i < after.length; i++) {
    const p = `${path}.${i}`;
    if (i >= before.length) out.updatedFields[p] = after[i];
    else diffValue(p, before[i], after[i], out);
  }
}

/** What changed from `before` to `after`, as a change stream reports an update. */
export function diffDocuments(before: Doc, after: Doc): UpdateDescription {
  const out = empty();
  diffDocs('', before, after, out);
  return out;
}
