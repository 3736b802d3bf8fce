/**
 * find, count and distinct.
 */
import { mongoError } from '../errors';
import { isPlainObject } from '../engine/bson-types';
import { bsonCompare } from '../engine/compare';
import { deepCopy } from '../engine/clone';
import { evaluateLet } from '../engine/let-variables';
import { checkHint, hintedOrder } from '../engine/hint';
import { compileFilter } from '../engine/matcher';
import { isIndexSegment, ownValue, splitPath } from '../engine/paths';
import { compileProjection } from '../engine/projection';
import { parseSort } from '../engine/sort';
import type { Doc } from '../engine/types';
import { valueKey } from '../engine/value-key';
import { collectionName, optionalCount, optionalDoc } from './command-args';
import { commandCollation } from './default-collation';
import type { CommandContext, CommandResult } from './data-commands';
import { findStages, resolveView, runOnView } from './views';

/** skip / limit of find and count (a negative limit means "one batch of |limit|"). */
export function skipLimit(cmd: Doc): { skip: number; limit: number } {
  const skip = optionalCount(cmd, 'skip') ?? 0;
  if (skip < 0) throw mongoError('BadValue', `skip value must be non-negative, but received: ${skip}`);
  const limit = Math.abs(optionalCount(cmd, 'limit') ?? 0);
  return { skip, limit };
}

/** `find`: a cursor over every matching document (E2 batches it). */
export function find(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'find');
  const collation = commandCollation(ctx, name, cmd.collation);
  const variables = evaluateLet(cmd.let);
  const { skip, limit } = skipLimit(cmd);
  const onView = resolveView(ctx, name);
  if (onView) {
    const stages = findStages({
      filter: optionalDoc(cmd, 'filter'),
      sort: optionalDoc(cmd, 'sort'),
      skip,
      limit,
      projection: optionalDoc(cmd, 'projection'),
    });
    return {
      cursor: { ns: `${ctx.db}.${name}`, docs: runOnView(ctx, onView, stages, { collation, variables }) },
    };
  }
  const m = compileFilter(optionalDoc(cmd, 'filter'), { collation, variables });
  const project = compileProjection(optionalDoc(cmd, 'projection'));
  const view = ctx.engine.view(ctx.db, name, ctx.txn);
  checkHint(view.coll, cmd.hint);
  const given = optionalDoc(cmd, 'sort');
  const sort = given && Object.keys(given).length > 0 ? given : hintedOrder(view.coll, cmd.hint);
  const result = view.query(m, { sort: parseSort(sort), skip, limit });
  return { cursor: { ns: `${ctx.db}.${name}`, docs: result.docs.map((d) => project(d, m.filter)) } };
}

/** `count`: `{n}`. */
export function count(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'count');
  const view = ctx.engine.view(ctx.db, name, ctx.txn);
  const query = optionalDoc(cmd, 'query');
  const { skip, limit } = skipLimit(cmd);
  const collation = commandCollation(ctx, name, cmd.collation);
  const onView = resolveView(ctx, name);
  if (onView)
    return {
      reply: { n: runOnView(ctx, onView, findStages({ filter: query, skip, limit }), { collation }).length },
    };
  checkHint(view.coll, cmd.hint);
  const m = compileFilter(query, { collation });
  let n = m.matchAll ? view.count() : view.query(m).docs.length;
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { reply: { n } };
}

/** The values of `segs` in a document for distinct: array leaves count element by element. */
function distinctValues(v: unknown, segs: string[], i: number, out: unknown[]): void {
  if (i === segs.length) {
    if (Array.isArray(v)) out.push(...v);
    else if (v !== undefined) out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    if (isIndexSegment(segs[i])) distinctValues(v[Number(segs[i])], segs, i + 1, out);
    else for (const e of v) if (isPlainObject(e)) distinctValues(ownValue(e, segs[i]), segs, i + 1, out);
    return;
  }
  if (isPlainObject(v)) distinctValues(ownValue(v, segs[i]), segs, i + 1, out);
}

/**
 * `distinct`: `{values}` in BSON order. Under a collation, values it deems equal count once (the first seen
 * stands for them).
 */
export function distinct(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = collectionName(cmd, 'distinct');
  if (typeof cmd.key !== 'string' || cmd.key === '')
    throw mongoError('TypeMismatch', "BSON field 'distinct.key' is missing or is not a string");
  const collation = commandCollation(ctx, name, cmd.collation);
  const filter = optionalDoc(cmd, 'query');
  const onView = resolveView(ctx, name);
  const view = ctx.engine.view(ctx.db, name, ctx.txn);
  if (!onView) checkHint(view.coll, cmd.hint);
  const docs = onView
    ? runOnView(ctx, onView, findStages({ filter }), { collation })
    : view.query(compileFilter(filter, { collation })).docs;
  const segs = splitPath(cmd.key);
  const seen = new Map<string, unknown>();
  const kept: unknown[] = [];
  for (const doc of docs) {
    const vals: unknown[] = [];
    distinctValues(doc, segs, 0, vals);
    for (const v of vals) {
      if (collation) {
        if (!kept.some((k) => collation.compare(k, v) === 0)) kept.push(v);
        continue;
      }
      const k = valueKey(v);
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  const values = (collation ? kept.sort(collation.compare) : [...seen.values()].sort(bsonCompare)).map(
    deepCopy,
  );
  return { reply: { values } };
}
