import { Long } from 'bson';
import type { Doc } from '../engine/types';
import { MongoError, mongoError } from '../errors';
import { ArrayCursor, batchLength, type Batch, type ServerCursor } from '../cursors/cursor';
import type { CursorRegistry } from '../cursors/registry';
import type { CommandHandler, RequestContext } from './context';

/** MongoDB's default size of a first batch. */
const FIRST_BATCH = 101;

/**
 * The reply to a command that opens a cursor over computed results: the first batch (101 documents unless
 * `batchSize` says otherwise) and, when documents remain, a registered cursor for getMore.
 */
export function firstBatchReply(
  ctx: RequestContext,
  ns: string,
  docs: Doc[],
  batchSize: number | undefined,
  singleBatch: boolean,
  extra?: Doc,
): Doc {
  const n = batchLength(docs, 0, batchSize ?? FIRST_BATCH);
  let id = 0;
  if (n < docs.length && !singleBatch) {
    id = ctx.server.cursors.open(new ArrayCursor(ns, docs, n, ctx.session?.key));
  }
  const firstBatch = n === docs.length ? docs : docs.slice(0, n);
  return { cursor: { firstBatch, id: int64(id), ns }, ...extra, ok: 1 };
}

/** The reply opening a cursor that may wait (change streams): first batch taken without waiting. */
export function openCursorReply(ctx: RequestContext, cursor: ServerCursor, first: Batch): Doc {
  const id = first.exhausted ? 0 : ctx.server.cursors.open(cursor);
  const reply: Doc = { firstBatch: first.docs };
  if (first.postBatchResumeToken) reply.postBatchResumeToken = first.postBatchResumeToken;
  reply.id = int64(id);
  reply.ns = cursor.ns;
  return { cursor: reply, ok: 1 };
}

/** `{getMore: id, collection, batchSize?, maxTimeMS?}`: from any connection; a change stream may wait. */
export const getMore: CommandHandler = (cmd, ctx) => {
  const id = cursorId(cmd.getMore);
  if (typeof cmd.collection !== 'string')
    throw mongoError('TypeMismatch', "getMore needs a string 'collection'");
  const { cursors } = ctx.server;
  const cursor = cursors.get(id);
  if (!cursor) throw notFound(id, cursors);
  const ns = `${ctx.db}.${cmd.collection}`;
  if (cursor.ns !== ns) {
    throw mongoError(
      'Unauthorized',
      `Requested getMore on namespace '${ns}', but cursor belongs to '${cursor.ns}'`,
    );
  }
  const batchSize = positive(cmd.batchSize, 'batchSize');
  const maxTimeMS = positive(cmd.maxTimeMS, 'maxTimeMS');
  cursors.setBusy(id, true);
  const done = (batch: Batch): Doc => nextBatchReply(cursors, id, cursor, batch);
  const failed = (err: unknown): never => {
    // A cursor whose getMore failed is dead, as in MongoDB; a killed one is already gone.
    if (cursors.get(id) === cursor) cursors.close(id);
    throw err;
  };
  try {
    const batch = cursor.next(batchSize, maxTimeMS);
    return batch instanceof Promise ? batch.then(done, failed) : done(batch);
  } catch (err) {
    return failed(err);
  }
};

function nextBatchReply(cursors: CursorRegistry, id: number, cursor: ServerCursor, batch: Batch): Doc {
  if (cursors.get(id) !== cursor) throw notFound(id, cursors); // killed while it waited
  cursors.setBusy(id, false);
  if (batch.exhausted) cursors.close(id);
  const reply: Doc = { nextBatch: batch.docs };
  if (batch.postBatchResumeToken) reply.postBatchResumeToken = batch.postBatchResumeToken;
  reply.id = int64(batch.exhausted ? 0 : id);
  reply.ns = cursor.ns;
  return { cursor: reply, ok: 1 };
}

/** `{killCursors: collection, cursors: [id]}`: from any connection. */
export const killCursors: CommandHandler = (cmd, ctx) => {
  if (!Array.isArray(cmd.cursors)) throw mongoError('TypeMismatch', "killCursors needs an array 'cursors'");
  const ns = `${ctx.db}.${cmd.killCursors}`;
  const killed: Long[] = [];
  const missing: Long[] = [];
  for (const raw of cmd.cursors) {
    const id = cursorId(raw);
    const cursor = ctx.server.cursors.get(id);
    if (cursor && cursor.ns === ns && ctx.server.cursors.kill(id)) killed.push(int64(id));
    else missing.push(int64(id));
  }
  return { cursorsKilled: killed, cursorsNotFound: missing, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

/** Cursor ids travel as int64, including 0 (a JS 0 would be an int32, which drivers reject). */
export function int64(id: number): Long {
  return id === 0 ? Long.ZERO : Long.fromNumber(id);
}

function cursorId(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if ((value as Long | null)?._bsontype === 'Long') return (value as Long).toNumber();
  throw mongoError('TypeMismatch', 'cursor ids must be int64');
}

function positive(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw mongoError('BadValue', `${name} must be a non-negative number`);
  return n === 0 ? undefined : n; // 0 means "no limit" for both
}

function notFound(id: number, cursors: CursorRegistry): MongoError {
  // A killed change stream is resumable: the driver reopens it from its last resume token.
  const labels = cursors.wasKilledStream(id) ? ['ResumableChangeStreamError'] : [];
  return mongoError('CursorNotFound', `cursor id ${id} not found`, labels);
}
