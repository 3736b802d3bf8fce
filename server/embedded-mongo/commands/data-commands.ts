/**
 * The data commands of the embedded server (CRUD, aggregation, catalog, indexes, explain), keyed by command
 * name. The server layer routes these here with the engine, the database and the transaction, if any.
 */
import type { Engine, Transaction } from '../engine';
import type { Doc } from '../engine/types';
import { aggregate, explain } from './aggregate';
import { collStats, create, dbStats, drop, dropDatabase, listCollections, listDatabases } from './catalog';
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

export const dataCommands: Record<string, (ctx: CommandContext, cmd: Doc) => CommandResult> = {
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
