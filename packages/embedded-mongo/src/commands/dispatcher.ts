import { Binary, Long, type Timestamp } from 'bson';
import type { Doc } from '../engine/types';
import { Codes, MongoError, mongoError } from '../errors';
import type { Request } from '../wire/messages';
import { OpCode } from '../wire/protocol';
import * as admin from './admin-commands';
import type { ClientConnection, CommandHandler, RequestContext, ServerState } from './context';
import { getMore, killCursors } from './cursor-commands';
import { aggregateCommand, dataCommand } from './data-adapter';
import { dataCommands } from './data-commands';
import { hello, isMaster } from './handshake';
import { abortTransaction, commitTransaction } from './transaction-commands';

/** Commands a multi-document transaction may run (MongoDB refuses the others with code 263). */
const IN_TRANSACTION = new Set([
  'find',
  'aggregate',
  'distinct',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'getMore',
  'killCursors',
  'create',
  'createIndexes',
  'commitTransaction',
  'abortTransaction',
]);
/** Writes a driver retries with the same (lsid, txnNumber): a retry must not write twice. */
const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);
/** The only commands the legacy OP_QUERY may carry (MongoDB 6+ refuses the rest). */
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);
/** An all-zero signature: drivers echo $clusterTime without checking it. */
const SIGNATURE = { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.ZERO };

/**
 * Routes each command to its handler inside its session envelope (transaction statement, retryable write, or
 * plain), turns every failure into an `{ok:0}` reply, and stamps replies with operationTime and $clusterTime.
 */
export class Dispatcher {
  private readonly commands = new Map<string, CommandHandler>();
  private clusterTime?: { ts: Timestamp; doc: Doc };

  constructor(private readonly server: ServerState) {
    for (const [name, fn] of Object.entries(dataCommands)) this.commands.set(name, dataCommand(fn));
    const own: Record<string, CommandHandler> = {
      hello,
      isMaster,
      ismaster: isMaster,
      ping: admin.ping,
      buildInfo: admin.buildInfo,
      buildinfo: admin.buildInfo,
      getParameter: admin.getParameter,
      setParameter: admin.setParameter,
      serverStatus: admin.serverStatus,
      connectionStatus: admin.connectionStatus,
      whatsmyuri: admin.whatsmyuri,
      getLog: admin.getLog,
      hostInfo: admin.hostInfo,
      getCmdLineOpts: admin.getCmdLineOpts,
      endSessions: admin.endSessions,
      killAllSessions: admin.killAllSessions,
      commitTransaction,
      abortTransaction,
      getMore,
      killCursors,
    };
    for (const [name, handler] of Object.entries(own)) this.commands.set(name, handler);
    if (dataCommands.aggregate) this.commands.set('aggregate', aggregateCommand(dataCommands.aggregate));
  }

  /** Runs one request; never throws. */
  handle(request: Request, conn: ClientConnection): Doc | Promise<Doc> {
    let reply: Doc | Promise<Doc>;
    try {
      reply = this.run(request, conn);
    } catch (err) {
      reply = this.errorReply(err);
    }
    const cmd = request.command;
    if (reply instanceof Promise) {
      return reply.then(
        (doc) => this.finish(cmd, doc),
        (err) => this.finish(cmd, this.errorReply(err)),
      );
    }
    return this.finish(cmd, reply);
  }

  private run(request: Request, conn: ClientConnection): Doc | Promise<Doc> {
    const cmd = request.command;
    let name: string | undefined;
    for (name in cmd) break;
    if (name === undefined) throw mongoError('FailedToParse', 'empty command');
    if (request.opCode === OpCode.Query && !OP_QUERY_COMMANDS.has(name)) {
      throw mongoError('UnsupportedOpQueryCommand', `Unsupported OP_QUERY command: ${name}`);
    }
    const handler = this.commands.get(name);
    if (!handler) throw mongoError('CommandNotFound', `no such command: '${name}'`);
    const db = cmd.$db;
    if (typeof db !== 'string' || db === '') throw mongoError('BadValue', 'the $db field is required');
    const session = cmd.lsid === undefined ? undefined : this.server.sessions.get(cmd.lsid);
    const ctx: RequestContext = { server: this.server, db, conn, session };

    if (session && (cmd.autocommit !== undefined || cmd.startTransaction !== undefined)) {
      if (name === 'commitTransaction' || name === 'abortTransaction') return handler(cmd, ctx);
      return this.runStatement(name, handler, cmd, ctx);
    }
    if (session && cmd.txnNumber !== undefined && RETRYABLE_WRITES.has(name)) {
      const previous = this.server.sessions.retriedWrite(session, cmd);
      if (previous) return previous;
      const reply = this.guard(handler, cmd, ctx);
      this.server.sessions.recordWrite(session, cmd, reply);
      return reply;
    }
    return handler(cmd, ctx);
  }

  /** One statement of a multi-document transaction; a failed one aborts the transaction. */
  private runStatement(
    name: string,
    handler: CommandHandler,
    cmd: Doc,
    ctx: RequestContext,
  ): Doc | Promise<Doc> {
    const { sessions } = this.server;
    const session = ctx.session!;
    const txn = sessions.beginStatement(session, cmd, ctx.conn.id);
    let reply: Doc | Promise<Doc>;
    if (!IN_TRANSACTION.has(name)) {
      reply = mongoError(
        'OperationNotSupportedInTransaction',
        `Cannot run '${name}' in a multi-document transaction.`,
      ).toReply();
    } else {
      reply = this.guard(handler, cmd, { ...ctx, txn });
    }
    if (reply instanceof Promise) return reply.then((doc) => sessions.endStatement(session, txn, doc));
    return sessions.endStatement(session, txn, reply);
  }

  /** Runs a handler with its errors turned into replies (so the session state machine sees them). */
  private guard(handler: CommandHandler, cmd: Doc, ctx: RequestContext): Doc | Promise<Doc> {
    try {
      const reply = handler(cmd, ctx);
      return reply instanceof Promise ? reply.catch((err) => this.errorReply(err)) : reply;
    } catch (err) {
      return this.errorReply(err);
    }
  }

  private errorReply(err: unknown): Doc {
    if (err instanceof MongoError) return err.toReply();
    this.server.log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    return mongoError('InternalError', `internal error: ${(err as Error)?.message ?? String(err)}`).toReply();
  }

  /**
   * Adds operationTime and $clusterTime (the time of the latest commit), as a replica-set member does, and the
   * writeConcernError a one-member set gives to a write concern it cannot satisfy.
   */
  private finish(cmd: Doc, reply: Doc): Doc {
    let name: string | undefined;
    for (name in cmd) break;
    if (name !== undefined) this.server.commandCounters.record(name, this.commands.has(name), reply.ok === 1);
    if (cmd.writeConcern !== undefined && reply.ok === 1) {
      const wcError = writeConcernError(cmd.writeConcern);
      if (wcError) reply.writeConcernError = wcError;
    }
    const now = this.server.engine.oplog.currentTime();
    let cached = this.clusterTime;
    if (!cached || cached.ts.t !== now.t || cached.ts.i !== now.i) {
      this.clusterTime = cached = { ts: now, doc: { clusterTime: now, signature: SIGNATURE } };
    }
    reply.operationTime = cached.ts;
    reply.$clusterTime = cached.doc;
    return reply;
  }
}

/** `w` above one member, or a tag set this set does not have, cannot be satisfied (the write itself stands). */
function writeConcernError(wc: unknown): Doc | undefined {
  const w = (wc as { w?: unknown } | null)?.w;
  if (typeof w === 'number' && w > 1) {
    return {
      code: Codes.UnsatisfiableWriteConcern,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
    };
  }
  if (typeof w === 'string' && w !== 'majority') {
    return {
      code: Codes.UnknownReplWriteConcern,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
    };
  }
  return undefined;
}
