import net from 'node:net';
import { Engine } from './engine';
import type { EngineOptions } from './engine/types';
import { CommandCounters } from './commands/command-counters';
import type { ServerInfo, ServerState } from './commands/context';
import { Dispatcher } from './commands/dispatcher';
import { CursorRegistry } from './cursors/registry';
import { PausePoints, type CommandMatcher, type Pause } from './pause-points';
import { SessionRegistry } from './txn/session-registry';
import { TtlMonitor } from './ttl-monitor';
import { Connection } from './wire/connection';

export interface ServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  engine?: EngineOptions;
  /** Transactions older than this are aborted (default 60 s, as MongoDB). */
  txnLifetimeMs?: number;
  /** Where log lines go (protocol errors, internal errors); default: nowhere. */
  logger?: (line: string) => void;
  /**
   * Seconds between passes of the TTL monitor (default 60, as MongoDB; also `setParameter ttlMonitorSleepSecs`).
   */
  ttlMonitorSleepSecs?: number;
  /** False: the TTL monitor deletes nothing until `setParameter ttlMonitorEnabled: true` (default true). */
  ttlMonitorEnabled?: boolean;
}

/** Test-only fault injection; nothing on the wire reaches it. */
export interface Faults {
  /** Destroys every client socket; the server keeps accepting new ones. */
  dropConnections(): void;
  /** For `ms` milliseconds, closes every new connection as soon as it is accepted. */
  refuseConnections(ms: number): void;
  /** Kills every open cursor, change streams included: their next getMore fails with CursorNotFound (43). */
  killCursors(): number;
  /** Kills every cursor, then drops every connection. */
  closeAll(): void;
  /** Stops the database right after the first command that matches (applied, reply held): see PausePoints. */
  pauseAfter(matches: CommandMatcher): Pause;
}

const LOG_LINES_KEPT = 1000;
const SWEEP_EVERY_MS = 60_000;

/** The embedded server: a TCP listener, its connections, and the state every command shares. */
export class EmbeddedMongoServer implements ServerState {
  readonly engine: Engine;
  readonly cursors = new CursorRegistry();
  readonly sessions: SessionRegistry;
  readonly commandCounters = new CommandCounters();
  readonly ttl: TtlMonitor;
  readonly faults: Faults;
  private readonly dispatcher: Dispatcher;
  private readonly listener: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly recentLog: string[] = [];
  private readonly pauses = new PausePoints();
  private readonly connectionCounts = { current: 0, totalCreated: 0 };
  private address = '';
  private refuseUntil = 0;
  private sweeper?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(private readonly opts: ServerOptions = {}) {
    this.engine = new Engine(opts.engine);
    this.sessions = new SessionRegistry(this.engine, { txnLifetimeMs: opts.txnLifetimeMs });
    this.dispatcher = new Dispatcher(this);
    this.ttl = new TtlMonitor(this, { sleepSecs: opts.ttlMonitorSleepSecs, enabled: opts.ttlMonitorEnabled });
    this.listener = net.createServer((socket) => this.accept(socket));
    this.faults = {
      dropConnections: () => this.dropConnections(),
      refuseConnections: (ms) => {
        this.refuseUntil = Date.now() + ms;
      },
      killCursors: () => this.cursors.killAll(),
      closeAll: () => {
        this.cursors.killAll();
        this.dropConnections();
      },
      pauseAfter: (matches) => this.pauses.arm(matches),
    };
  }

  get info(): ServerInfo {
    return {
      address: this.address,
      startedAt: this.startedAt,
      connections: this.connectionCounts,
      recentLog: this.recentLog,
    };
  }

  private readonly startedAt = new Date();

  log(line: string): void {
    this.recentLog.push(`${new Date().toISOString()} ${line}`);
    if (this.recentLog.length > LOG_LINES_KEPT) this.recentLog.shift();
    this.opts.logger?.(line);
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    const host = this.opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(this.opts.port ?? 0, host, () => {
        this.listener.off('error', reject);
        const port = (this.listener.address() as net.AddressInfo).port;
        this.address = `${advertisedHost(host)}:${port}`;
        this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
        this.ttl.start();
        resolve(port);
      });
    });
  }

  /** `host:port` that hello reports and the URI names. */
  get hostAndPort(): string {
    return this.address;
  }

  /** Stops accepting, aborts transactions, kills cursors, closes every connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      clearInterval(this.sweeper);
      this.ttl.stop();
      this.listener.close(() => resolve());
      this.cursors.killAll();
      this.sessions.endAll();
      this.dropConnections();
      // After the drop: held commands of the dropped clients are never run.
      this.pauses.releaseAll();
    });
    return this.stopping;
  }

  private accept(socket: net.Socket): void {
    if (Date.now() < this.refuseUntil || this.stopping) {
      socket.resetAndDestroy();
      return;
    }
    const id = ++this.connectionCounts.totalCreated;
    this.connectionCounts.current++;
    const conn = new Connection(
      id,
      socket,
      (request, c) => this.pauses.run(request.command, c, () => this.dispatcher.handle(request, c)),
      (line) => this.log(line),
      (closed) => this.closed(closed),
    );
    this.connections.add(conn);
  }

  private closed(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.connectionCounts.current--;
    // Cursors stay: drivers pool connections and may continue a cursor on another one.
    this.sessions.connectionClosed(conn.id);
  }

  /** Resets every client connection (see Connection.close for why a reset rather than a FIN). */
  private dropConnections(): void {
    for (const conn of [...this.connections]) conn.close(undefined, { reset: true });
  }

  private sweep(): void {
    this.cursors.sweep();
    this.sessions.sweep();
  }
}

function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
