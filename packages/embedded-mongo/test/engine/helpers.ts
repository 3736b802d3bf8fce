import { expect } from 'chai';
import { Engine, type Transaction } from '../../src/engine';
import type { Doc, EngineOptions } from '../../src/engine/types';
import { dataCommands } from '../../src/commands/data-commands';
import { MongoError } from '../../src/errors';

/** A fresh engine and shortcuts to run data commands against database `test`. */
export function setup(opts?: EngineOptions) {
  const engine = new Engine(opts);
  const run = (cmd: Doc, txn?: Transaction): Doc => {
    const name = Object.keys(cmd)[0];
    const r = dataCommands[name]({ engine, db: 'test', txn }, cmd);
    return 'reply' in r ? r.reply : { cursor: r.cursor };
  };
  const find = (coll: string, filter: Doc = {}, opts: Doc = {}, txn?: Transaction): Doc[] =>
    run({ find: coll, filter, ...opts }, txn).cursor.docs;
  const insert = (coll: string, docs: Doc[], txn?: Transaction): Doc =>
    run({ insert: coll, documents: docs }, txn);
  const update = (coll: string, q: Doc, u: Doc | Doc[], opts: Doc = {}, txn?: Transaction): Doc =>
    run({ update: coll, updates: [{ q, u, ...opts }] }, txn);
  return { engine, run, find, insert, update };
}

/** Runs `fn`, expecting a MongoError with this code; returns it. */
export function expectCode(fn: () => unknown, code: number): MongoError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(MongoError);
    expect((e as MongoError).code, (e as Error).message).to.equal(code);
    return e as MongoError;
  }
  expect.fail(`expected error code ${code}`);
}

/** The code of the first write error of a reply (undefined when none). */
export function writeErrorCode(reply: Doc): number | undefined {
  return reply.writeErrors?.[0]?.code;
}
