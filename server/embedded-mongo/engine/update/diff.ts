/**
 * The `updateDescription` of a write that replaces a document wholesale but counts as an update (pipeline
 * updates, `$merge`): MongoDB diffs the two versions, descending into embedded documents and arrays, so a
 * change stream sees `a.b` updated, `arr.3` set or `arr` truncated rather than whole top-level fields.
 */
import { isPlainObject } from '../bson-types';
import { identical } from '../compare';
import type { Doc } from '../types';
import type { UpdateDescription } from './index';

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function diffValue(path: string, before: unknown, after: unknown, out: UpdateDescription): void {
  if (identical(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after) && sameFieldOrder(before, after)) {
    diffDocs(path, before, after, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(path, before, after, out);
    return;
  }
  out.updatedFields[path] = after;
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
  const out: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  diffDocs('', before, after, out);
  return out;
}
