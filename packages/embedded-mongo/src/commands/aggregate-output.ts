/**
 * The writing stages of aggregate: `$out` (replace a collection with the results) and `$merge` (fold them
 * into a collection, document by document, by `on` fields).
 */
import { ObjectId } from 'bson';
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { Codes, MongoError, mongoError } from '../errors';
import { RetryWhenUnlocked, type CollView } from '../engine';
import { isPlainObject } from '../engine/bson-types';
import { duplicateKeyError, type Collection } from '../engine/collection';
import { bsonEquals } from '../engine/compare';
import { asMongoError, compileFilter } from '../engine/matcher';
import { mingoOptions } from '../engine/mingo-context';
import { getPath, splitPath } from '../engine/paths';
import type { Doc } from '../engine/types';
import { applyUpdate, diffOutcome, parseUpdate, type ParsedUpdate } from '../engine/update';
import type { CommandContext } from './data-commands';
import { storedCopy, updateEnv } from './write-statements';

type Namespace = { db: string; coll: string };

/** A pipeline's final `$out` / `$merge`, taken off; `rest` is what runs before it. */
export function splitOutput(pipeline: Doc[]): { output?: Doc; rest: Doc[] } {
  const last = pipeline[pipeline.length - 1];
  if (isPlainObject(last) && ('$out' in last || '$merge' in last))
    return { output: last, rest: pipeline.slice(0, -1) };
  return { rest: pipeline };
}

function namespaceOf(v: unknown, db: string, stage: string): Namespace {
  if (typeof v === 'string' && v !== '') return { db, coll: v };
  if (isPlainObject(v) && typeof v.coll === 'string' && v.coll !== '')
    return { db: typeof v.db === 'string' ? v.db : db, coll: v.coll };
  throw mongoError('FailedToParse', `${stage} needs a collection name or {db, coll}`);
}

/** Refuses what MongoDB refuses before running a pipeline that ends in `$out` / `$merge`. */
export function checkOutput(ctx: CommandContext, cmd: Doc, output: Doc): void {
  const stage = Object.keys(output)[0];
  if (ctx.txn)
    throw mongoError('OperationNotSupportedInTransaction', `${stage} cannot be used in a transaction`);
  if (cmd.readConcern?.level === 'linearizable')
    throw mongoError('InvalidOptions', `${stage} cannot be used with a 'linearizable' read concern level`);
}

/** Writes the results of a pipeline as its final `$out` / `$merge` stage says. */
export function writeOutput(ctx: CommandContext, output: Doc, docs: Doc[], variables?: Doc): void {
  if ('$out' in output) {
    const target = namespaceOf(output.$out, ctx.db, '$out');
    ctx.engine.ddl.replaceCollection(target.db, target.coll, docs.map(storedCopy));
    return;
  }
  merge(ctx, output.$merge, docs, variables);
}

type WhenMatched = 'replace' | 'keepExisting' | 'merge' | 'fail' | Doc[];
type WhenNotMatched = 'insert' | 'discard' | 'fail';

interface MergeSpec {
  into: Namespace;
  on: string[];
  letVars: Doc;
  whenMatched: WhenMatched;
  whenNotMatched: WhenNotMatched;
}

function parseMerge(raw: unknown, db: string): MergeSpec {
  const spec: Doc = typeof raw === 'string' ? { into: raw } : isPlainObject(raw) ? raw : {};
  if (spec.into === undefined) throw mongoError('FailedToParse', "$merge needs an 'into' collection");
  const on = spec.on === undefined ? ['_id'] : Array.isArray(spec.on) ? spec.on : [spec.on];
  if (on.length === 0 || !on.every((f) => typeof f === 'string' && f !== ''))
    throw mongoError('FailedToParse', "$merge 'on' must be a field name or an array of them");
  const whenMatched = spec.whenMatched ?? 'merge';
  if (!Array.isArray(whenMatched) && !['replace', 'keepExisting', 'merge', 'fail'].includes(whenMatched))
    throw mongoError(
      'BadValue',
      `Enumeration value '${whenMatched}' for field 'whenMatched' is not a valid value.`,
    );
  const whenNotMatched = spec.whenNotMatched ?? 'insert';
  if (!['insert', 'discard', 'fail'].includes(whenNotMatched))
    throw mongoError(
      'BadValue',
      `Enumeration value '${whenNotMatched}' for field 'whenNotMatched' is not a valid value.`,
    );
  if (spec.let !== undefined && !Array.isArray(whenMatched))
    throw mongoError('FailedToParse', "$merge 'let' is only allowed when whenMatched is a pipeline");
  return {
    into: namespaceOf(spec.into, db, '$merge'),
    on,
    letVars: isPlainObject(spec.let) ? spec.let : { new: '$$ROOT' },
    whenMatched,
    whenNotMatched,
  };
}

/** `on` other than `_id` needs a unique index on exactly those fields (MongoDB's error 51183). */
function checkOnIndex(coll: Collection | undefined, on: string[]): void {
  if (on.length === 1 && on[0] === '_id') return;
  const wanted = [...on].sort().join('\0');
  const found = [...(coll?.indexes.values() ?? [])].some(
    (ix) => ix.unique && !ix.spec.partialFilterExpression && [...ix.fields].sort().join('\0') === wanted,
  );
  if (!found)
    throw new MongoError(
      51183,
      'Location51183',
      'Cannot find index to verify that join fields will be unique',
    );
}

function merge(ctx: CommandContext, raw: unknown, docs: Doc[], variables: Doc | undefined): void {
  const spec = parseMerge(raw, ctx.db);
  const view = ctx.engine.view(spec.into.db, spec.into.coll);
  checkOnIndex(view.coll, spec.on);
  const pipeline = Array.isArray(spec.whenMatched) ? parseUpdate(spec.whenMatched) : undefined;
  const seqBefore = ctx.engine.oplog.lastSeq;
  for (const doc of docs) {
    try {
      mergeOne(ctx, view, spec, pipeline, doc, variables);
    } catch (e) {
      // A wait for a transaction's lock may re-run the command only while nothing was written.
      if (!(e instanceof RetryWhenUnlocked) || ctx.engine.oplog.lastSeq === seqBefore) throw e;
      throw new MongoError(
        Codes.WriteConflict,
        'WriteConflict',
        '$merge met a document locked by a transaction after writing some documents; it stopped there',
      );
    }
  }
}

function mergeOne(
  ctx: CommandContext,
  view: CollView,
  spec: MergeSpec,
  pipeline: ParsedUpdate | undefined,
  doc: Doc,
  variables: Doc | undefined,
): void {
  const filter: Doc = {};
  for (const field of spec.on) {
    const v = getPath(doc, splitPath(field));
    if (v === undefined || v === null || Array.isArray(v))
      throw new MongoError(
        51132,
        'Location51132',
        "$merge write error: 'on' field cannot be missing, null, undefined or an array",
      );
    filter[field] = v;
  }
  const existing = view.query(compileFilter(filter), { limit: 1 }).docs[0];
  if (!existing) {
    if (spec.whenNotMatched === 'discard') return;
    if (spec.whenNotMatched === 'fail')
      throw new MongoError(
        13113,
        'MergeStageNoMatchingDocument',
        '$merge could not find a matching document in the target collection for at least one document in the source collection',
      );
    view.insert(storedCopy('_id' in doc ? doc : { _id: new ObjectId(), ...doc }));
    return;
  }
  const env = updateEnv(ctx.engine, undefined, variables);
  switch (spec.whenMatched) {
    case 'keepExisting':
      return;
    case 'fail': {
      const coll = view.coll!;
      const index =
        [...coll.indexes.values()].find((ix) => ix.unique && ix.fields.join('\0') === spec.on.join('\0')) ??
        coll.indexes.get('_id_')!;
      throw duplicateKeyError(
        coll.ns,
        index,
        spec.on.map((f) => filter[f]),
      );
    }
    case 'replace':
    case 'merge': {
      if ('_id' in doc && !bsonEquals(doc._id, existing._id))
        throw mongoError(
          'ImmutableField',
          '$merge failed to update the matching document, did you attempt to modify the _id or the shard key?',
        );
      const fields = storedCopy({ ...doc, _id: existing._id });
      if (spec.whenMatched === 'replace') {
        view.update(existing, applyUpdate(existing, { kind: 'replace', doc: fields }, env));
      } else {
        view.update(existing, diffOutcome(existing, { ...existing, ...fields }));
      }
      return;
    }
    default: {
      const letVars = evaluateAgainst(doc, spec.letVars);
      view.update(
        existing,
        applyUpdate(existing, pipeline!, { ...env, variables: { ...variables, ...letVars } }),
      );
    }
  }
}

/** `$merge`'s `let`: expressions over the incoming document (`$$new` is it by default). */
function evaluateAgainst(doc: Doc, vars: Doc): Doc {
  const out: Doc = {};
  const options = mingoOptions() as Options;
  for (const [name, expr] of Object.entries(vars)) {
    try {
      out[name] = evalExpr(doc, expr, options);
    } catch (e) {
      throw asMongoError(e);
    }
  }
  return out;
}
