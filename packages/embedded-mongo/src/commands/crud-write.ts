/**
 * insert, update, delete and findAndModify.
 */
import { mongoError } from '../errors';
import type { CollView } from '../engine';
import { isPlainObject } from '../engine/bson-types';
import { deepCopy } from '../engine/clone';
import { evaluateLet } from '../engine/let-variables';
import { checkHint } from '../engine/hint';
import { compileFilter } from '../engine/matcher';
import { compileProjection } from '../engine/projection';
import { parseSort } from '../engine/sort';
import type { Doc } from '../engine/types';
import { buildUpsert, parseUpdate } from '../engine/update';
import { collectionName, optionalDoc, requiredArray } from './command-args';
import { commandCollation } from './default-collation';
import type { CommandContext, CommandResult } from './data-commands';
import { refuseView } from './views';
import { runStatements, updateEnv, storedCopy, withWriteErrors } from './write-statements';

function ordered(cmd: Doc): boolean {
  return cmd.ordered !== false;
}

/** The collection a write command names, seen from its transaction, with its `bypassDocumentValidation`. */
function target(ctx: CommandContext, cmd: Doc, command: string): CollView {
  refuseView(ctx, collectionName(cmd, command));
  return ctx.engine.view(ctx.db, collectionName(cmd, command), ctx.txn, {
    bypassValidation: cmd.bypassDocumentValidation === true,
  });
}

/** `insert`: `{n, writeErrors?}`. */
export function insert(ctx: CommandContext, cmd: Doc): CommandResult {
  const view = target(ctx, cmd, 'insert');
  const docs = requiredArray(cmd, 'documents', 'insert');
  let n = 0;
  const errors = runStatements(ctx.engine, view, docs.length, ordered(cmd), (i) => {
    const d = docs[i];
    if (!isPlainObject(d)) throw mongoError('TypeMismatch', 'each document to insert must be an object');
    view.insert(storedCopy(d));
    n++;
  });
  return { reply: withWriteErrors({ n }, errors) };
}

/** `update`: `{n, nModified, upserted?, writeErrors?}`. */
export function update(ctx: CommandContext, cmd: Doc): CommandResult {
  const view = target(ctx, cmd, 'update');
  const statements = requiredArray(cmd, 'updates', 'update');
  // MongoDB 8.0 added `sort` to update statements; 7.0, which this server presents as, refuses the command.
  if (statements.some((s) => isPlainObject(s) && s.sort !== undefined))
    throw mongoError('Location40415', "BSON field 'update.updates.sort' is an unknown field.");
  const variables = evaluateLet(cmd.let);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const errors = runStatements(ctx.engine, view, statements.length, ordered(cmd), (i) => {
    const s = statements[i];
    if (!isPlainObject(s)) throw mongoError('TypeMismatch', 'each update statement must be an object');
    checkHint(view.coll, s.hint);
    const parsed = parseUpdate(s.u, s.arrayFilters);
    const multi = s.multi === true;
    if (multi && parsed.kind === 'replace')
      throw mongoError('FailedToParse', 'multi update is not supported for replacement-style update');
    const constants = evaluateLet(s.c);
    const stmtVars = variables || constants ? { ...variables, ...constants } : undefined;
    const m = compileFilter(s.q, {
      collation: commandCollation(ctx, view.name, s.collation),
      variables: stmtVars,
    });
    const env = updateEnv(ctx.engine, m.filter, stmtVars);
    const found = view.query(m, { limit: multi ? 0 : 1 }).docs;
    if (found.length === 0) {
      if (s.upsert !== true) return;
      const doc = buildUpsert(m.filter, parsed, env);
      view.insert(doc);
      n++;
      upserted.push({ index: i, _id: deepCopy(doc._id) });
      return;
    }
    view.assertUnlocked(found);
    for (const old of found) {
      const outcome = view.applyUpdate(old, parsed, env);
      n++;
      if (outcome.changed) nModified++;
    }
  });
  const reply: Doc = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return { reply: withWriteErrors(reply, errors) };
}

/** `delete`: `{n, writeErrors?}`. */
export function remove(ctx: CommandContext, cmd: Doc): CommandResult {
  const view = ctx.engine.view(ctx.db, collectionName(cmd, 'delete'), ctx.txn);
  const statements = requiredArray(cmd, 'deletes', 'delete');
  const variables = evaluateLet(cmd.let);
  let n = 0;
  const errors = runStatements(ctx.engine, view, statements.length, ordered(cmd), (i) => {
    const s = statements[i];
    if (!isPlainObject(s)) throw mongoError('TypeMismatch', 'each delete statement must be an object');
    const limit = Number(s.limit ?? 0);
    if (limit !== 0 && limit !== 1)
      throw mongoError('FailedToParse', 'The limit field in delete objects must be 0 or 1.');
    checkHint(view.coll, s.hint);
    const m = compileFilter(s.q, { collation: commandCollation(ctx, view.name, s.collation), variables });
    const found = view.query(m, { limit }).docs;
    view.assertUnlocked(found);
    for (const d of found) {
      view.remove(d);
      n++;
    }
  });
  return { reply: withWriteErrors({ n }, errors) };
}

/** `findAndModify`: `{lastErrorObject: {n, updatedExisting?, upserted?}, value}`. */
export function findAndModify(ctx: CommandContext, cmd: Doc): CommandResult {
  const name = typeof cmd.findAndModify === 'string' ? 'findAndModify' : 'findandmodify';
  const view = target(ctx, cmd, name);
  const remove = cmd.remove === true;
  const hasUpdate = cmd.update !== undefined && cmd.update !== null;
  if (remove && hasUpdate) throw mongoError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && !hasUpdate)
    throw mongoError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && cmd.new === true)
    throw mongoError(
      'FailedToParse',
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  if (remove && cmd.upsert === true)
    throw mongoError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  checkHint(view.coll, cmd.hint);
  const variables = evaluateLet(cmd.let);
  const m = compileFilter(cmd.query, {
    collation: commandCollation(ctx, view.name, cmd.collation),
    variables,
  });
  const project = compileProjection(optionalDoc(cmd, 'fields'));
  const parsed = hasUpdate ? parseUpdate(cmd.update, cmd.arrayFilters) : undefined;
  const doc = view.query(m, { sort: parseSort(cmd.sort), limit: 1 }).docs[0];
  if (remove) {
    if (doc) view.remove(doc);
    return { reply: { lastErrorObject: { n: doc ? 1 : 0 }, value: doc ? project(doc, m.filter) : null } };
  }
  const env = updateEnv(ctx.engine, m.filter, variables);
  if (doc) {
    // The update may change parts of `doc` in place: the old version's reply is projected before it.
    const before = cmd.new === true ? undefined : project(doc, m.filter);
    const outcome = view.applyUpdate(doc, parsed!, env);
    const value = before ?? project(outcome.doc, m.filter);
    return { reply: { lastErrorObject: { n: 1, updatedExisting: true }, value } };
  }
  if (cmd.upsert !== true)
    return { reply: { lastErrorObject: { n: 0, updatedExisting: false }, value: null } };
  const created = buildUpsert(m.filter, parsed!, env);
  view.insert(created);
  return {
    reply: {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: deepCopy(created._id) },
      value: cmd.new === true ? project(created, m.filter) : null,
    },
  };
}
