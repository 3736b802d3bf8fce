import type { Engine, Transaction } from '../engine';
import type { Doc } from '../engine/types';
import type { CursorRegistry } from '../cursors/registry';
import type { CommandCounters } from './command-counters';
import type { SessionRegistry } from '../txn/session-registry';
import type { ServerSession } from '../txn/session';
import type { TtlMonitor } from '../ttl-monitor';

/** What the server is, for hello, serverStatus and friends. */
export interface ServerInfo {
  /** `host:port` as advertised in hello's hosts/me/primary. */
  readonly address: string;
  readonly startedAt: Date;
  readonly connections: { current: number; totalCreated: number };
  /** Recent log lines (getLog). */
  readonly recentLog: string[];
}

/** The client connection a command came on. */
export interface ClientConnection {
  readonly id: number;
  readonly remote: string;
}

/** Everything a command handler can reach. */
export interface ServerState {
  readonly engine: Engine;
  readonly cursors: CursorRegistry;
  readonly sessions: SessionRegistry;
  readonly info: ServerInfo;
  /** Commands run and failed, by name (serverStatus `metrics.commands`). */
  readonly commandCounters: CommandCounters;
  /** The TTL monitor (setParameter / getParameter `ttlMonitor*`, serverStatus `metrics.ttl`). */
  readonly ttl: TtlMonitor;
  log(line: string): void;
}

/** One command's surroundings. */
export interface RequestContext {
  readonly server: ServerState;
  /** `$db` of the command. */
  readonly db: string;
  readonly conn: ClientConnection;
  readonly session?: ServerSession;
  /** Set for a statement of a multi-document transaction (`autocommit:false`). */
  readonly txn?: Transaction;
}

/** A command: returns the reply body (`ok` included), or throws a MongoError. */
export type CommandHandler = (cmd: Doc, ctx: RequestContext) => Doc | Promise<Doc>;
