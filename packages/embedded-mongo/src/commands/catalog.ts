/**
 * create, drop, listCollections, listDatabases, dropDatabase, collStats, dbStats.
 */
import { mongoError } from '../errors';
import { parseCollation } from '../engine/collation';
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
  'maxTimeMS',
]);

/** `create` (a view with `viewOn`): NamespaceExists (48) when it exists. */
export function create(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'create');
  if (cmd.timeseries !== undefined)
    throw mongoError(
      'CommandNotSupported',
      'time series collections are not supported by the embedded server',
    );
  if (cmd.collation !== undefined) parseCollation(cmd.collation);
  // MongoDB reads `capped` as a boolean from any number too (`{capped: 1024}` is capped, and needs a size).
  const capped = cmd.capped === true || (typeof cmd.capped === 'number' && cmd.capped !== 0);
  if (capped && cmd.size === undefined)
    throw mongoError('InvalidOptions', "the 'size' field is required when 'capped' is true");
  const options: Doc = {};
  for (const [k, v] of Object.entries(cmd)) if (!IGNORED_CREATE_FIELDS.has(k)) options[k] = deepCopy(v);
  ctx.engine.ddl.createCollection(ctx.db, name, options, ctx.txn);
  return { reply: { ok: 1 } };
}

/** `collMod`: validator, validation level / action, pre- and post-images, an index's hidden / TTL. */
export function collMod(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'collMod');
  const changes: Doc = {};
  for (const [k, v] of Object.entries(cmd))
    if (k !== 'collMod' && !IGNORED_CREATE_FIELDS.has(k)) changes[k] = v;
  return { reply: { ...ctx.engine.ddl.modifyCollection(ctx.db, name, changes), ok: 1 } };
}

/** `renameCollection` (on admin): `{renameCollection: 'db.from', to: 'db.to', dropTarget?}`. */
export function renameCollection(ctx: CommandContext, cmd: Doc): CommandResult {
  if (ctx.db !== 'admin')
    throw mongoError('Unauthorized', 'renameCollection may only be run against the admin database.');
  const from = splitNamespace(cmd.renameCollection, 'renameCollection');
  const to = splitNamespace(cmd.to, 'to');
  ctx.engine.ddl.renameCollection(from, to, cmd.dropTarget === true);
  return { reply: { ok: 1 } };
}

function splitNamespace(v: unknown, field: string): { db: string; coll: string } {
  const dot = typeof v === 'string' ? v.indexOf('.') : -1;
  if (typeof v !== 'string' || dot <= 0 || dot === v.length - 1)
    throw mongoError('InvalidNamespace', `Invalid namespace specified '${String(v)}' for '${field}'`);
  return { db: v.slice(0, dot), coll: v.slice(dot + 1) };
}

/** `drop`: NamespaceNotFound (26) when missing. */
export function drop(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'drop');
  if (ctx.engine.catalog.dropView(ctx.db, name)) return { reply: { ns: `${ctx.db}.${name}`, ok: 1 } };
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
  const views = ctx.engine.catalog.viewsOf(ctx.db).map((v) => ({
    name: v.name,
    type: 'view',
    options: { viewOn: v.viewOn, pipeline: deepCopy(v.pipeline) },
    info: { readOnly: true },
  }));
  const docs = [...ctx.engine.catalog.collections(ctx.db).map(collectionInfo), ...views]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
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
