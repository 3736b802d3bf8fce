/**
 * The data commands of the embedded server (CRUD, aggregation, catalog, indexes, explain), keyed by command
 * name. The server layer routes these here with the engine, the database and the transaction, if any.
 */
import type { Engine, Transaction } from '../engine';
import type { Doc } from '../engine/types';
import { mongoError } from '../errors';
import { aggregate, explain } from './aggregate';
import {
  collMod,
  collStats,
  create,
  dbStats,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  renameCollection,
} from './catalog';
import { count, distinct, find } from './crud-read';
import { findAndModify, insert, remove, update } from './crud-write';
import { createIndexes, dropIndexes, listIndexes } from './indexes';

/** What a data command runs against. */
export interface CommandContext {
  engine: Engine;
  db: string;
  /** The multi-document transaction this statement belongs to. */
  txn?: Transaction;
}

/**
 * A plain reply (`ok` added by the server layer when absent), or every result document of a cursor command
 * (after skip / limit); the server layer batches them.
 */
export type CommandResult = { reply: Doc } | { cursor: { ns: string; docs: Doc[] }; extra?: Doc };

type DataCommand = (ctx: CommandContext, cmd: Doc) => CommandResult;

/** A statement of a transaction that already ended (a WriteConflict aborts it) answers NoSuchTransaction. */
function inLiveTransaction(fn: DataCommand): DataCommand {
  return (ctx, cmd) => {
    if (ctx.txn && !ctx.engine.isActive(ctx.txn))
      throw mongoError('NoSuchTransaction', 'Transaction has been aborted.', ['TransientTransactionError']);
    return fn(ctx, cmd);
  };
}

const commands: Record<string, DataCommand> = {
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
  find,
  aggregate,
  count,
  distinct,
  create,
  collMod,
  renameCollection,
  drop,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  listDatabases,
  dropDatabase,
  explain,
  collStats,
  dbStats,
};

/** Data command handlers by command name (`findandmodify` is an alias). */
export const dataCommands: Record<string, DataCommand> = Object.fromEntries(
  Object.entries(commands).map(([name, fn]) => [name, inLiveTransaction(fn)]),
);
