/**
 * create, drop, listCollections, listDatabases, dropDatabase, collStats, dbStats.
 */
import { mongoError } from '../errors';
import { deepCopy } from '../engine/clone';
import { checkNamespace } from '../engine/catalog';
import type { Collection } from '../engine/collection';
import { compileFilter } from '../engine/matcher';
import type { Doc } from '../engine/types';
import { collectionName, optionalDoc } from './command-args';
import type { CommandContext, CommandResult } from './data-commands';

const IGNORED_CREATE_FIELDS = new Set([
  'create',
  'writeConcern',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  '$db',
  '$clusterTime',
  '$readPreference',
  'comment',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** `create`: NamespaceExists (48) when it exists. */
export function create(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'create');
  if (cmd.viewOn !== undefined)
    throw mongoError('IllegalOperation', 'views are not supported by the embedded server');
  if (cmd.timeseries !== undefined)
    throw mongoError('IllegalOperation', 'time series collections are not supported by the embedded server');
  const options: Doc = {};
  for (const [k, v] of Object.entries(cmd)) if (!IGNORED_CREATE_FIELDS.has(k)) options[k] = deepCopy(v);
  ctx.engine.catalog.create(ctx.db, name, options);
  return { reply: { ok: 1 } };
}

/** `drop`: NamespaceNotFound (26) when missing. */
export function drop(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'drop');
  const coll = ctx.engine.catalog.get(ctx.db, name);
  if (!coll) throw mongoError('NamespaceNotFound', 'ns not found');
  const nIndexesWas = coll.indexes.size;
  ctx.engine.dropCollection(ctx.db, name);
  return { reply: { nIndexesWas, ns: coll.ns, ok: 1 } };
}

function collectionInfo(c: Collection): Doc {
  return {
    name: c.name,
    type: 'collection',
    options: deepCopy(c.options),
    info: { readOnly: false, uuid: c.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  };
}

/** `listCollections`: a cursor of collection descriptions. */
export function listCollections(ctx: CommandContext, cmd: Doc): CommandResult {
  checkNamespace(ctx.db);
  const m = compileFilter(optionalDoc(cmd, 'filter'));
  const docs = ctx.engine.catalog
    .collections(ctx.db)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(collectionInfo)
    .filter((d) => m.test(d))
    .map((d) => (cmd.nameOnly === true ? { name: d.name, type: d.type } : d));
  return { cursor: { ns: `${ctx.db}.$cmd.listCollections`, docs } };
}

function dbSize(ctx: CommandContext, db: string): number {
  return ctx.engine.catalog.collections(db).reduce((n, c) => n + c.bytes, 0);
}

/** `listDatabases`: `{databases, totalSize, totalSizeMb}`. */
export function listDatabases(ctx: CommandContext, cmd: Doc): CommandResult {
  const m = compileFilter(optionalDoc(cmd, 'filter'));
  const databases = ctx.engine.catalog
    .databases()
    .sort()
    .map((name) => ({ name, sizeOnDisk: dbSize(ctx, name), empty: false }))
    .filter((d) => m.test(d));
  const totalSize = databases.reduce((n, d) => n + d.sizeOnDisk, 0);
  if (cmd.nameOnly === true) return { reply: { databases: databases.map((d) => ({ name: d.name })), ok: 1 } };
  return { reply: { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 } };
}

/** `dropDatabase`. */
export function dropDatabase(ctx: CommandContext): CommandResult {
  checkNamespace(ctx.db);
  ctx.engine.dropDatabase(ctx.db);
  return { reply: { dropped: ctx.db, ok: 1 } };
}

function scaleOf(cmd: Doc): number {
  const s = Number(cmd.scale ?? 1);
  if (!Number.isFinite(s) || s < 1) throw mongoError('BadValue', 'scale has to be >= 1');
  return s;
}

/** Approximate bytes of an index: its entries times a small per-entry overhead. */
function indexBytes(c: Collection, name: string): number {
  return (c.indexes.get(name)?.tree.size ?? 0) * 48;
}

/** `collStats` (deprecated in MongoDB but still used by tools). */
export function collStats(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'collStats');
  const c = ctx.engine.catalog.get(ctx.db, name);
  if (!c) throw mongoError('NamespaceNotFound', `Collection [${ctx.db}.${name}] not found.`);
  const scale = scaleOf(cmd);
  const indexSizes: Doc = {};
  let totalIndexSize = 0;
  for (const ix of c.indexes.keys()) {
    indexSizes[ix] = Math.floor(indexBytes(c, ix) / scale);
    totalIndexSize += indexSizes[ix];
  }
  const count = c.recs.size;
  const size = Math.floor(c.bytes / scale);
  return {
    reply: {
      ns: c.ns,
      size,
      count,
      avgObjSize: count ? Math.floor(c.bytes / count) : 0,
      storageSize: size,
      freeStorageSize: 0,
      capped: false,
      nindexes: c.indexes.size,
      indexSizes,
      totalIndexSize,
      totalSize: size + totalIndexSize,
      scaleFactor: scale,
      ok: 1,
    },
  };
}

/** `dbStats`. */
export function dbStats(ctx: CommandContext, cmd: Doc): CommandResult {
  checkNamespace(ctx.db);
  const scale = scaleOf(cmd);
  const colls = ctx.engine.catalog.collections(ctx.db);
  const objects = colls.reduce((n, c) => n + c.recs.size, 0);
  const dataSize = colls.reduce((n, c) => n + c.bytes, 0);
  const indexes = colls.reduce((n, c) => n + c.indexes.size, 0);
  const indexSize = colls.reduce(
    (n, c) => n + [...c.indexes.keys()].reduce((m, ix) => m + indexBytes(c, ix), 0),
    0,
  );
  return {
    reply: {
      db: ctx.db,
      collections: colls.length,
      views: 0,
      objects,
      avgObjSize: objects ? dataSize / objects : 0,
      dataSize: dataSize / scale,
      storageSize: dataSize / scale,
      indexes,
      indexSize: indexSize / scale,
      totalSize: (dataSize + indexSize) / scale,
      scaleFactor: scale,
      ok: 1,
    },
  };
}
