/**
 * `hint`: the engine plans its own queries, but a hint keeps MongoDB's two visible effects. One that names no index
 * of the collection fails (BadValue 2); `{$natural: ±1}` is always valid, as is any hint on a collection that does
 * not exist (MongoDB answers that with an empty result). And a query with no sort returns its documents in the
 * hinted index's order, since MongoDB scans that index (`hintedOrder`).
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

/**
 * The order a hinted index scan returns documents in: the index's key pattern as a sort, for a query that gives
 * no sort of its own. Equal keys keep the collection's order, as an index does (by record id). Undefined for no
 * hint, `$natural`, or a hint that names no ascending/descending index (checkHint refuses the latter).
 */
export function hintedOrder(coll: Collection | undefined, hint: unknown): Record<string, 1 | -1> | undefined {
  if (hint === undefined || hint === null || !coll) return undefined;
  let key: Record<string, unknown> | undefined;
  if (typeof hint === 'string') key = coll.indexes.get(hint)?.spec.key;
  else if (isPlainObject(hint) && !('$natural' in hint) && Object.keys(hint).length > 0) key = hint;
  if (!key) return undefined;
  const order: Record<string, 1 | -1> = {};
  for (const [path, dir] of Object.entries(key)) {
    const n = Number(dir);
    if (n !== 1 && n !== -1) return undefined;
    order[path] = n;
  }
  return order;
}
