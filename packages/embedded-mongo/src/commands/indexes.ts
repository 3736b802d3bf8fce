/**
 * createIndexes, listIndexes, dropIndexes.
 */
import { Codes, MongoError, mongoError } from '../errors';
import { isPlainObject } from '../engine/bson-types';
import { deepCopy } from '../engine/clone';
import { bsonEquals } from '../engine/compare';
import type { Collection } from '../engine/collection';
import type { Doc } from '../engine/types';
import { collectionName, requiredArray } from './command-args';
import type { CommandContext, CommandResult } from './data-commands';
import { refuseView } from './views';

/** `createIndexes`: all or nothing; an identical existing index is a no-op. */
export function createIndexes(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'createIndexes');
  const specs = requiredArray(cmd, 'indexes', 'createIndexes');
  if (specs.length === 0) throw mongoError('BadValue', 'Must specify at least one index to create');
  const r = ctx.engine.ddl.createIndexes(ctx.db, name, specs, ctx.txn);
  const reply: Doc = {
    createdCollectionAutomatically: r.createdCollection,
    numIndexesBefore: r.before,
    numIndexesAfter: r.after,
    ok: 1,
  };
  if (r.created.length === 0) reply.note = 'all indexes already exist';
  return { reply };
}

function requireCollection(ctx: CommandContext, name: string): Collection {
  refuseView(ctx, name);
  const coll = ctx.engine.catalog.get(ctx.db, name);
  if (!coll) throw mongoError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return coll;
}

/** `listIndexes`: a cursor of index specifications; NamespaceNotFound (26) for a missing collection. */
export function listIndexes(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'listIndexes');
  const coll = requireCollection(ctx, name);
  const docs = [...coll.indexes.values()].map((ix) => deepCopy(ix.spec));
  return { cursor: { ns: `${ctx.db}.${name}`, docs } };
}

/** `dropIndexes`: by name, key pattern, list of names, or `*` (all but `_id_`). */
export function dropIndexes(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'dropIndexes');
  const coll = requireCollection(ctx, name);
  const nIndexesWas = coll.indexes.size;
  const which = cmd.index;
  let names: string[];
  if (which === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
  else if (typeof which === 'string') names = [which];
  else if (Array.isArray(which)) names = which.map(String);
  else if (isPlainObject(which)) {
    const hit = [...coll.indexes.values()].find((ix) => bsonEquals(ix.spec.key, which));
    if (!hit)
      throw new MongoError(
        Codes.IndexNotFound,
        'IndexNotFound',
        `can't find index with key: ${JSON.stringify(which)}`,
      );
    names = [hit.name];
  } else throw mongoError('TypeMismatch', "BSON field 'dropIndexes.index' is the wrong type");
  for (const n of names) {
    if (n === '_id_') throw mongoError('InvalidOptions', 'cannot drop _id index');
    if (!coll.indexes.has(n))
      throw new MongoError(Codes.IndexNotFound, 'IndexNotFound', `index not found with name [${n}]`);
  }
  ctx.engine.ddl.dropIndexes(coll, names);
  const reply: Doc = { nIndexesWas, ok: 1 };
  if (which === '*') reply.msg = 'non-_id indexes dropped for collection';
  return { reply };
}
