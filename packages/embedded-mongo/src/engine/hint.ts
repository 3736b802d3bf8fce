/**
 * `hint`: the engine plans its own queries, so a hint changes no plan, but one that names no index of the
 * collection fails as in MongoDB (BadValue 2). `{$natural: ±1}` is always valid, as is any hint on a
 * collection that does not exist (MongoDB answers that with an empty result).
 */
import { mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import type { Collection } from './collection';

function sameKeyPattern(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    const va = a[ka[i]];
    const vb = b[kb[i]];
    if (typeof va === 'string' || typeof vb === 'string' ? va !== vb : Number(va) !== Number(vb))
      return false;
  }
  return true;
}

/** Throws BadValue when `hint` names no (visible) index of `coll`. */
export function checkHint(coll: Collection | undefined, hint: unknown): void {
  if (hint === undefined || hint === null || !coll) return;
  let found = false;
  if (typeof hint === 'string') {
    const ix = coll.indexes.get(hint);
    found = ix !== undefined && ix.spec.hidden !== true;
  } else if (isPlainObject(hint)) {
    if (Object.keys(hint).length === 0) return;
    if ('$natural' in hint) return;
    for (const ix of coll.indexes.values())
      if (ix.spec.hidden !== true && sameKeyPattern(ix.spec.key, hint)) found = true;
  } else throw mongoError('FailedToParse', 'hint must be a string or an object');
  if (!found) throw mongoError('BadValue', 'hint provided does not correspond to an existing index');
}
