/**
 * Running the statements of insert / update / delete: per-statement write errors, ordered vs unordered, and
 * the rule that a wait for a transaction's lock may only restart the command while it has written nothing.
 */
import { ObjectId } from 'bson';
import { Codes, MongoError } from '../errors';
import { RetryWhenUnlocked, type CollView, type Engine } from '../engine';
import { asMongoError } from '../engine/matcher';
import type { UpdateEnv } from '../engine/update';
import type { Doc } from '../engine/types';
import { writeError } from './command-args';
import { deepCopy, setField } from '../engine/clone';

/**
 * Runs `exec(i)` for each statement and returns the write errors. RetryWhenUnlocked propagates (so the
 * command is re-run after the transaction ends) only when no statement has written yet; after a write it
 * becomes a WriteConflict write error, since re-running would apply the earlier statements twice.
 */
export function runStatements(
  engine: Engine,
  view: CollView,
  count: number,
  ordered: boolean,
  exec: (i: number) => void,
): Doc[] {
  const errors: Doc[] = [];
  const seqBefore = engine.oplog.lastSeq;
  for (let i = 0; i < count; i++) {
    try {
      exec(i);
    } catch (e) {
      let err: MongoError;
      if (e instanceof RetryWhenUnlocked) {
        if (engine.oplog.lastSeq === seqBefore) throw e;
        err = new MongoError(
          Codes.WriteConflict,
          'WriteConflict',
          'Write conflict with a multi-document transaction; the statement was not applied',
        );
      } else err = asMongoError(e);
      if (
        view.txn &&
        (err.errorLabels.includes('TransientTransactionError') || err.code === Codes.NoSuchTransaction)
      )
        throw err;
      errors.push(writeError(i, err));
      if (ordered || view.txn) break;
    }
  }
  return errors;
}

/** The stored form of an inserted document: a private deep copy with `_id` first (generated when absent). */
export function storedCopy(doc: Doc): Doc {
  const out: Doc = { _id: '_id' in doc ? deepCopy(doc._id) : new ObjectId() };
  for (const k in doc) if (k !== '_id') setField(out, k, deepCopy(doc[k]));
  return out;
}

/** The environment of updates of one statement. */
export function updateEnv(engine: Engine, filter: Doc | undefined, variables?: Doc): UpdateEnv {
  return { filter, now: new Date(), timestamp: () => engine.oplog.nextTime(), variables };
}

/** Adds `writeErrors` when there are any (MongoDB omits the field otherwise). */
export function withWriteErrors(reply: Doc, errors: Doc[]): Doc {
  if (errors.length > 0) reply.writeErrors = errors;
  return reply;
}
