import { RetryWhenUnlocked } from '../engine';
import type { Doc } from '../engine/types';
import { mongoError } from '../errors';
import type { CommandHandler, RequestContext } from './context';
import { firstBatchReply, openCursorReply } from './cursor-commands';
import type { CommandContext, CommandResult } from './data-commands';
import { isChangeStream, openChangeStream } from '../changes/open-change-stream';

/** A data command as the engine side exports it. */
export type DataCommand = (ctx: CommandContext, cmd: Doc) => CommandResult;

/**
 * Wraps one of the engine's data commands: cursor results become a first batch plus a cursor, and a write
 * outside a transaction that meets a document locked by a transaction waits for it to end, then runs again
 * (as MongoDB's writes queue behind a transaction's locks), bounded by the command's maxTimeMS.
 */
export function dataCommand(fn: DataCommand): CommandHandler {
  return (cmd, ctx) => {
    const engineCtx: CommandContext = { engine: ctx.server.engine, db: ctx.db, txn: ctx.txn };
    try {
      return toReply(fn(engineCtx, cmd), cmd, ctx);
    } catch (err) {
      if (!(err instanceof RetryWhenUnlocked) || ctx.txn) throw err;
      return retryWhenUnlocked(fn, engineCtx, cmd, ctx, err.wait);
    }
  };
}

/**
 * `aggregate`: a change stream when the first stage is `$changeStream`, else the engine's aggregation (a
 * leading `$listLocalSessions` becomes `$documents` of the server's sessions, which the engine cannot see).
 */
export function aggregateCommand(engineAggregate: DataCommand): CommandHandler {
  const data = dataCommand(engineAggregate);
  return (cmd, ctx) => {
    const first = Array.isArray(cmd.pipeline) ? cmd.pipeline[0] : undefined;
    if (first !== null && typeof first === 'object' && '$listLocalSessions' in first) {
      if (cmd.aggregate !== 1)
        throw mongoError('InvalidNamespace', '$listLocalSessions must be run with {aggregate: 1}');
      const sessions = { $documents: ctx.server.sessions.localSessions() };
      return data({ ...cmd, pipeline: [sessions, ...cmd.pipeline.slice(1)] }, ctx);
    }
    if (!isChangeStream(cmd)) return data(cmd, ctx);
    if (ctx.txn) {
      throw mongoError(
        'OperationNotSupportedInTransaction',
        'Cannot run $changeStream in a multi-document transaction.',
      );
    }
    const cursor = openChangeStream(ctx.server.engine, ctx.db, cmd, ctx.session?.key);
    return openCursorReply(ctx, cursor, cursor.take(batchSizeOf(cmd.cursor?.batchSize) ?? 101));
  };
}

async function retryWhenUnlocked(
  fn: DataCommand,
  engineCtx: CommandContext,
  cmd: Doc,
  ctx: RequestContext,
  firstWait: Promise<void>,
): Promise<Doc> {
  const maxTimeMS = Number(cmd.maxTimeMS) > 0 ? Number(cmd.maxTimeMS) : undefined;
  const deadline = maxTimeMS === undefined ? undefined : Date.now() + maxTimeMS;
  for (let wait = firstWait; ;) {
    await (deadline === undefined ? wait : raceDeadline(wait, deadline));
    try {
      return toReply(fn(engineCtx, cmd), cmd, ctx);
    } catch (err) {
      if (!(err instanceof RetryWhenUnlocked)) throw err;
      wait = err.wait;
    }
  }
}

function raceDeadline(wait: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(mongoError('MaxTimeMSExpired', 'operation exceeded time limit waiting for a transaction')),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([wait, expired]).finally(() => clearTimeout(timer));
}

function toReply(result: CommandResult, cmd: Doc, ctx: RequestContext): Doc {
  if ('reply' in result) {
    if (result.reply.ok === undefined) result.reply.ok = 1;
    return result.reply;
  }
  const isFind = cmd.find !== undefined;
  const batchSize = batchSizeOf(isFind ? cmd.batchSize : cmd.cursor?.batchSize);
  const singleBatch = isFind && cmd.singleBatch === true;
  return firstBatchReply(ctx, result.cursor.ns, result.cursor.docs, batchSize, singleBatch, result.extra);
}

function batchSizeOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw mongoError('BadValue', 'batchSize must be a non-negative integer');
  return n;
}
