/**
 * Computes the next version of a document for an update statement (operators, replacement or pipeline) and
 * the upserted document of an upsert. Never mutates its inputs.
 */
import { ObjectId } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { mongoError } from '../../errors';
import { isPlainObject } from '../bson-types';
import { deepCopy } from '../clone';
import { bsonEquals, identical } from '../compare';
import { asMongoError } from '../matcher';
import { mingoOptions } from '../mingo-context';
import { ownValue, splitPath } from '../paths';
import type { Doc } from '../types';
import { applyOperators, type ApplyContext } from './apply';
import { diffDocuments } from './diff';
import type { UndoLog } from './in-place';
import { checkTopLevelDollar, type ParsedUpdate } from './parse';

export { parseUpdate } from './parse';
export type { ParsedUpdate } from './parse';
export type { ApplyContext } from './apply';
export type { InPlaceRules, UndoLog } from './in-place';

/** `updateDescription` of an oplog update entry. */
export interface UpdateDescription {
  updatedFields: Doc;
  removedFields: string[];
  truncatedArrays: Doc[];
}

/** The outcome of applying an update to one document. */
export interface UpdateOutcome {
  doc: Doc;
  changed: boolean;
  kind: 'update' | 'replace';
  description?: UpdateDescription;
  /**
   * True when the description's paths split at every dot (operator updates; a diff may name fields that contain
   * dots): the store then measures only those paths for the memory bound.
   */
  splitPaths?: boolean;
  /**
   * Operator updates: the containers the update created (only the new version holds them), whether a
   * `$rename` moved a value, and the old values of what it changed in place (undo it if the write fails).
   */
  fresh?: Set<object>;
  moved?: boolean;
  undo?: UndoLog;
}

/** Options of an update besides the parsed statement (`inPlace` only from the store: see in-place.ts). */
export interface UpdateEnv extends Omit<ApplyContext, 'isInsert' | 'arrayFilters'> {
  /** `let` variables of a pipeline update. */
  variables?: Doc;
}

function immutableId(id: unknown): never {
  throw mongoError(
    'ImmutableField',
    `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(id)}`,
  );
}

function runPipeline(doc: Doc, pipeline: Doc[], variables?: Doc): Doc {
  try {
    const out = new Aggregator(pipeline, mingoOptions(variables ? { variables } : {})).run([deepCopy(doc)]);
    if (out.length !== 1 || !isPlainObject(out[0]))
      throw mongoError('BadValue', 'update pipeline must produce one document');
    return out[0] as Doc;
  } catch (e) {
    throw asMongoError(e);
  }
}

function idFirst(id: unknown, rest: Doc): Doc {
  const out: Doc = { _id: id };
  for (const k of Object.keys(rest)) if (k !== '_id') out[k] = rest[k];
  return out;
}

/** An update that replaces `old` by `doc` (same `_id`), described as MongoDB diffs the two versions. */
export function diffOutcome(old: Doc, doc: Doc): UpdateOutcome {
  return { doc, changed: !identical(old, doc), kind: 'update', description: diffDocuments(old, doc) };
}

/** The next version of `old` under `u`. */
export function applyUpdate(old: Doc, u: ParsedUpdate, env: UpdateEnv): UpdateOutcome {
  if (u.kind === 'replace') {
    if ('_id' in u.doc && !bsonEquals(u.doc._id, old._id)) immutableId(u.doc._id);
    const doc = idFirst(old._id, deepCopy(u.doc));
    return { doc, changed: !identical(old, doc), kind: 'replace' };
  }
  if (u.kind === 'pipeline') {
    const out = runPipeline(old, u.pipeline, env.variables);
    if ('_id' in out && !bsonEquals(out._id, old._id)) immutableId(out._id);
    return diffOutcome(old, idFirst(old._id, out));
  }
  checkTopLevelDollar(u.ops);
  // Copy-on-write: only the containers on changed paths are copied; the rest is shared with `old`.
  const doc = { ...old };
  const ch = applyOperators(doc, u.ops, { ...env, isInsert: false, arrayFilters: u.arrayFilters });
  if (!('_id' in doc) || !bsonEquals(doc._id, old._id)) {
    ch.undo?.undo();
    throw mongoError(
      'ImmutableField',
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return {
    doc,
    changed: ch.changed,
    kind: 'update',
    description: { updatedFields: ch.updated, removedFields: ch.removed, truncatedArrays: [] },
    splitPaths: true,
    fresh: ch.fresh,
    moved: ch.moved,
    undo: ch.undo,
  };
}

function setSeed(out: Doc, path: string, value: unknown): void {
  const segs = splitPath(path);
  let node = out;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = ownValue(node, segs[i]);
    if (next === undefined) node = node[segs[i]] = {};
    else if (isPlainObject(next)) node = next;
    else return;
  }
  node[segs[segs.length - 1]] = deepCopy(value);
}

function isOperatorObject(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

/** The equality fields of a filter (top level, `$and`, dotted paths), as an upsert starts from. */
export function seedFromFilter(filter: Doc | undefined, out: Doc = {}): Doc {
  if (!filter) return out;
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainObject(sub)) seedFromFilter(sub, out);
    } else if (k.startsWith('$') || v instanceof RegExp) continue;
    else if (isOperatorObject(v)) {
      if ('$eq' in v) setSeed(out, k, v.$eq);
    } else setSeed(out, k, v);
  }
  return out;
}

/** The document an upsert inserts: the filter's equality fields, then the update (`$setOnInsert` included). */
export function buildUpsert(filter: Doc | undefined, u: ParsedUpdate, env: UpdateEnv): Doc {
  const seed = seedFromFilter(filter);
  if (u.kind === 'replace') {
    const id = '_id' in u.doc ? u.doc._id : '_id' in seed ? seed._id : new ObjectId();
    return idFirst(id, deepCopy(u.doc));
  }
  if (u.kind === 'pipeline') {
    const out = runPipeline(seed, u.pipeline, env.variables);
    return idFirst('_id' in out ? out._id : new ObjectId(), out);
  }
  const doc: Doc = '_id' in seed ? idFirst(seed._id, seed) : seed;
  applyOperators(doc, u.ops, { ...env, inPlace: undefined, isInsert: true, arrayFilters: u.arrayFilters });
  return '_id' in doc ? idFirst(doc._id, doc) : idFirst(new ObjectId(), doc);
}
