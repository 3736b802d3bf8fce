import { createHash } from 'node:crypto';
import { Binary } from 'bson';
import type { Engine, Transaction } from '../engine';
import type { Doc } from '../engine/types';
import { Codes, MongoError, mongoError } from '../errors';
import { ServerSession, sessionKey } from './session';

const TRANSIENT = ['TransientTransactionError'];
/** MongoDB's uid of the user of an unauthenticated session: SHA-256 of the empty user name. */
const NO_USER_UID = new Binary(createHash('sha256').update('').digest(), 0);
/** Codes that make a failed transaction statement worth retrying as a whole (MongoDB labels these). */
const TRANSIENT_CODES = new Set<number>([Codes.WriteConflict, Codes.NoSuchTransaction, 24 /* LockTimeout */]);

export interface SessionOptions {
  /** A transaction older than this is aborted (MongoDB's transactionLifetimeLimitSeconds, default 60 s). */
  txnLifetimeMs?: number;
  /** A session unused this long is forgotten (logicalSessionTimeoutMinutes). */
  idleTimeoutMs?: number;
}

/** What a transaction statement runs with. */
export interface StatementScope {
  session: ServerSession;
  txn: Transaction;
}

/**
 * Logical sessions and the transaction state machine of each: start, statements, commit, abort, retried commit,
 * the lifetime limit, and the de-duplication of retryable writes on (lsid, txnNumber).
 */
export class SessionRegistry {
  txnLifetimeMs: number;
  private readonly idleTimeoutMs: number;
  private readonly sessions = new Map<string, ServerSession>();
  /** Sessions with a transaction in progress: the only ones a closing connection can affect. */
  private readonly active = new Set<ServerSession>();

  constructor(
    private readonly engine: Engine,
    opts: SessionOptions = {},
  ) {
    this.txnLifetimeMs = opts.txnLifetimeMs ?? 60_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30 * 60_000;
  }

  /** The session of `lsid`, created on first use; undefined when `lsid` is not a session id. */
  get(lsid: unknown): ServerSession | undefined {
    const key = sessionKey(lsid);
    if (key === undefined) return undefined;
    let session = this.sessions.get(key);
    if (!session) {
      session = new ServerSession(key, lsid as Doc);
      this.sessions.set(key, session);
    }
    session.lastUse = Date.now();
    return session;
  }

  /** Keys of the sessions currently known. */
  keys(): ReadonlySet<string> {
    return new Set(this.sessions.keys());
  }

  /**
   * `$listLocalSessions` documents: `{_id: {id, uid}, lastUse, user}` for every known session. Without
   * authentication every session belongs to the unnamed user, whose uid is the SHA-256 of the empty string.
   */
  localSessions(): Doc[] {
    return [...this.sessions.values()].map((s) => ({
      _id: { id: s.lsid.id, uid: NO_USER_UID },
      lastUse: new Date(s.lastUse),
      user: { name: '' },
    }));
  }

  /** Sessions currently known (for serverStatus). */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Admits one statement of a transaction (`autocommit:false`): starts the transaction on `startTransaction`,
   * else checks that `txnNumber` names the one in progress. Throws the error MongoDB gives otherwise.
   */
  beginStatement(session: ServerSession, cmd: Doc, connectionId: number): Transaction {
    if (cmd.autocommit !== false) {
      throw mongoError('InvalidOptions', 'autocommit can only be specified as false');
    }
    const n = txnNumberOf(cmd);
    if (n < session.txnNumber) throw tooOld(session, n);
    if (cmd.startTransaction === true) {
      if (n === session.txnNumber) {
        throw mongoError(
          'ConflictingOperationInProgress',
          `Cannot start transaction ${n} on session ${session.key} because it has already been used`,
        );
      }
      this.abortCurrent(session, 'a newer transaction started');
      session.txnNumber = n;
      session.state = 'inProgress';
      session.txn = this.engine.beginTransaction();
      session.abortReason = undefined;
      session.retryReply = undefined;
      this.active.add(session);
      this.armLifetime(session);
    } else if (cmd.startTransaction !== undefined) {
      throw mongoError('InvalidOptions', 'startTransaction can only be specified as true');
    } else {
      this.requireInProgress(session, n);
    }
    session.txnConnection = connectionId;
    return session.txn!;
  }

  /**
   * Records the outcome of a transaction statement. Like MongoDB, any failure (a command error or a write error)
   * aborts the transaction; the error gets TransientTransactionError when retrying the transaction can help.
   */
  endStatement(session: ServerSession, txn: Transaction, reply: Doc): Doc {
    const failed =
      reply.ok === 0 ||
      reply.ok === false ||
      (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0);
    if (!failed || session.txn !== txn) return reply;
    this.abortCurrent(
      session,
      `statement failed with ${reply.codeName ?? reply.writeErrors?.[0]?.codeName ?? 'an error'}`,
    );
    if (TRANSIENT_CODES.has(reply.code)) addLabels(reply, TRANSIENT);
    return reply;
  }

  /** `commitTransaction`: commits, or answers a retried commit of a committed transaction with ok. */
  commit(session: ServerSession, cmd: Doc): void {
    const n = txnNumberOf(cmd);
    if (n < session.txnNumber) throw tooOld(session, n);
    if (n === session.txnNumber && session.state === 'committed') return;
    this.requireInProgress(session, n);
    const txn = session.txn!;
    try {
      this.engine.commitTransaction(txn, { lsid: session.lsid, txnNumber: n });
    } catch (err) {
      this.abortCurrent(session, 'its commit failed');
      if (err instanceof MongoError && TRANSIENT_CODES.has(err.code)) addLabels(err, TRANSIENT);
      throw err;
    }
    this.finish(session, 'committed');
  }

  /** `abortTransaction`. */
  abort(session: ServerSession, cmd: Doc): void {
    const n = txnNumberOf(cmd);
    if (n < session.txnNumber) throw tooOld(session, n);
    if (n === session.txnNumber && session.state === 'committed') {
      throw mongoError('TransactionCommitted', `Transaction ${n} has been committed.`);
    }
    this.requireInProgress(session, n);
    this.abortCurrent(session, 'abortTransaction was called');
  }

  /**
   * For a retryable write (txnNumber without autocommit): the stored reply when this (lsid, txnNumber) already
   * ran, else undefined after recording `txnNumber` as the session's newest.
   */
  retriedWrite(session: ServerSession, cmd: Doc): Doc | Promise<Doc> | undefined {
    const n = txnNumberOf(cmd);
    if (n < session.txnNumber) throw tooOld(session, n);
    if (n === session.txnNumber) {
      if (session.state === 'retryable' && session.retryReply) return session.retryReply;
      if (session.state !== 'retryable') {
        throw mongoError(
          'IllegalOperation',
          `txnNumber ${n} of session ${session.key} was used by a transaction`,
        );
      }
      return undefined;
    }
    this.abortCurrent(session, 'a newer retryable write started');
    session.txnNumber = n;
    session.state = 'retryable';
    session.retryReply = undefined;
    return undefined;
  }

  /** Remembers the reply of a retryable write so that its retry answers the same without writing twice. */
  recordWrite(session: ServerSession, cmd: Doc, reply: Doc | Promise<Doc>): void {
    if (txnNumberOf(cmd) !== session.txnNumber || session.state !== 'retryable') return;
    session.retryReply = reply;
    if (reply instanceof Promise) {
      // A failed command did not write: its retry must run again, not replay the error.
      reply.then(
        (doc) => {
          if (session.retryReply === reply)
            session.retryReply = doc.ok === 1 || doc.ok === true ? doc : undefined;
        },
        () => {
          if (session.retryReply === reply) session.retryReply = undefined;
        },
      );
    } else if (!(reply.ok === 1 || reply.ok === true)) {
      session.retryReply = undefined;
    }
  }

  /** `endSessions`: aborts their transactions and forgets them. */
  end(lsids: unknown[]): void {
    for (const lsid of lsids) {
      const key = sessionKey(lsid);
      const session = key === undefined ? undefined : this.sessions.get(key);
      if (!session) continue;
      this.abortCurrent(session, 'its session ended');
      this.sessions.delete(session.key);
    }
  }

  /** `killAllSessions` and server stop: aborts every transaction and forgets every session. */
  endAll(): void {
    for (const session of [...this.active]) this.abortCurrent(session, 'all sessions were killed');
    this.sessions.clear();
  }

  /** A connection closed: abort the transactions whose last statement it carried. */
  connectionClosed(connectionId: number): void {
    for (const session of [...this.active]) {
      if (session.txnConnection === connectionId) this.abortCurrent(session, 'its connection closed');
    }
  }

  /** Forgets sessions idle past the logical session timeout; returns how many. */
  sweep(now = Date.now()): number {
    let dropped = 0;
    for (const session of this.sessions.values()) {
      if (now - session.lastUse < this.idleTimeoutMs || this.active.has(session)) continue;
      this.sessions.delete(session.key);
      dropped++;
    }
    return dropped;
  }

  private requireInProgress(session: ServerSession, n: number): void {
    if (n === session.txnNumber && session.state === 'inProgress') {
      if (this.engine.isActive(session.txn!)) return;
      this.abortCurrent(session, 'it hit a write conflict');
    }
    if (n === session.txnNumber && session.state === 'committed') {
      throw mongoError('TransactionCommitted', `Transaction ${n} has been committed.`);
    }
    const why =
      n === session.txnNumber && session.abortReason ? ` (aborted because ${session.abortReason})` : '';
    throw mongoError(
      'NoSuchTransaction',
      `Transaction with txnNumber ${n} on session ${session.key} is not in progress${why}`,
      TRANSIENT,
    );
  }

  private armLifetime(session: ServerSession): void {
    const txn = session.txn;
    session.lifetimeTimer = setTimeout(() => {
      if (session.txn === txn) this.abortCurrent(session, 'it exceeded the transaction lifetime limit');
    }, this.txnLifetimeMs);
    session.lifetimeTimer.unref();
  }

  /** Aborts the session's transaction if one is in progress (no error otherwise). */
  private abortCurrent(session: ServerSession, reason: string): void {
    if (session.state !== 'inProgress') return;
    this.engine.abortTransaction(session.txn!);
    session.abortReason = reason;
    this.finish(session, 'aborted');
  }

  private finish(session: ServerSession, state: 'committed' | 'aborted'): void {
    session.state = state;
    session.txn = undefined;
    session.txnConnection = undefined;
    clearTimeout(session.lifetimeTimer);
    session.lifetimeTimer = undefined;
    this.active.delete(session);
  }
}

function txnNumberOf(cmd: Doc): number {
  const n = Number(cmd.txnNumber);
  if (!Number.isSafeInteger(n) || n < 0)
    throw mongoError('BadValue', 'txnNumber must be a non-negative integer');
  return n;
}

function tooOld(session: ServerSession, n: number): MongoError {
  return mongoError(
    'TransactionTooOld',
    `Cannot start transaction ${n} on session ${session.key} because a newer transaction ${session.txnNumber} has already started`,
  );
}

/** Adds error labels to a reply document or a MongoError, once each. */
export function addLabels(target: { errorLabels?: string[] } | MongoError, labels: string[]): void {
  const current = target instanceof MongoError ? target.errorLabels : (target.errorLabels ??= []);
  for (const label of labels) if (!current.includes(label)) current.push(label);
}
