/**
 * The TTL monitor: every `ttlMonitorSleepSecs` it deletes, for each single-field index with
 * `expireAfterSeconds`, the documents whose indexed Date (the earliest, for an array) is at or before
 * now − expireAfterSeconds, as MongoDB's does. Its deletes are `delete` commands run through the same handler
 * as a client's (no session, no transaction): they wait for a transaction's lock as any plain write does, and
 * reach the oplog and change streams as `delete` events.
 */
import type { Collection } from './engine/collection';
import type { Doc } from './engine/types';
import type { ClientConnection, ServerState } from './commands/context';
import { dataCommand } from './commands/data-adapter';
import { dataCommands } from './commands/data-commands';

/** MongoDB's default period. */
export const DEFAULT_TTL_SLEEP_SECS = 60;
/**
 * How long one index's delete may wait for a transaction's lock before the pass moves on (the next pass tries
 * again); MongoDB bounds each index's share of a pass the same way (`ttlIndexDeleteTargetTimeMS`, 1 s).
 */
const DELETE_WAIT_MS = 1000;
/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The connection the monitor's commands come on (nothing reads it but the handlers' context). */
const MONITOR_CONNECTION: ClientConnection = { id: 0, remote: 'ttl-monitor' };

export interface TtlOptions {
  /** Seconds between passes (default 60, as MongoDB's `ttlMonitorSleepSecs`). */
  sleepSecs?: number;
  /** False: no passes run until enabled (MongoDB's `ttlMonitorEnabled`); default true. */
  enabled?: boolean;
}

/** serverStatus `metrics.ttl`. */
export interface TtlMetrics {
  /** Documents the monitor deleted. */
  deletedDocuments: number;
  /** Passes completed. */
  passes: number;
  /** Passes completed (MongoDB splits a long pass into sub-passes; here each pass is one). */
  subPasses: number;
}

/** One TTL index of a committed collection, as a pass reads it. */
interface TtlTarget {
  db: string;
  coll: string;
  field: string;
  expireAfterSeconds: number;
  partialFilterExpression?: Doc;
}

/** The periodic TTL deleter of one server. Its timer is unref'd; `stop()` ends it. */
export class TtlMonitor {
  readonly metrics: TtlMetrics = { deletedDocuments: 0, passes: 0, subPasses: 0 };
  private sleep: number;
  private on: boolean;
  private started = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly deleteCommand = dataCommand(dataCommands.delete!);

  constructor(
    private readonly server: ServerState,
    opts: TtlOptions = {},
  ) {
    this.sleep = checkSleepSecs(opts.sleepSecs ?? DEFAULT_TTL_SLEEP_SECS);
    this.on = opts.enabled ?? true;
  }

  get sleepSecs(): number {
    return this.sleep;
  }

  /** A new period takes effect at once: the next pass is `secs` from now (or from the end of a running one). */
  set sleepSecs(secs: number) {
    this.sleep = checkSleepSecs(secs);
    this.schedule();
  }

  get enabled(): boolean {
    return this.on;
  }

  set enabled(on: boolean) {
    this.on = on;
    this.schedule();
  }

  /** Starts the timer (the first pass runs one period later). */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /** Stops the timer; a pass under way ends after its current delete. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one pass now over every TTL index of every committed collection. */
  async pass(): Promise<void> {
    for (const target of this.targets()) {
      if (this.stopped) return;
      await this.expire(target);
    }
    this.metrics.passes++;
    this.metrics.subPasses++;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A running pass schedules the next one when it ends.
    if (!this.started || this.stopped || !this.on || this.running) return;
    // setTimeout takes at most 2^31 - 1 ms (about 24.8 days); a longer period runs its pass after that.
    this.timer = setTimeout(() => void this.tick(), Math.min(this.sleep * 1000, MAX_TIMER_MS)).unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.running = this.pass().catch((err: unknown) => {
      this.server.log(`ttl monitor: pass failed: ${(err as Error)?.stack ?? String(err)}`);
    });
    await this.running;
    this.running = undefined;
    this.schedule();
  }

  /** The TTL indexes as of now: single-field key, a usable expireAfterSeconds (hidden ones count too). */
  private targets(): TtlTarget[] {
    const { catalog } = this.server.engine;
    const out: TtlTarget[] = [];
    for (const db of catalog.databases())
      for (const coll of catalog.collections(db)) out.push(...ttlIndexes(coll));
    return out;
  }

  /** One index: a `delete` of every document whose field holds a Date at or before the cutoff. */
  private async expire(t: TtlTarget): Promise<void> {
    const cutoff = new Date(Date.now() - t.expireAfterSeconds * 1000);
    const expired: Doc = { [t.field]: { $lte: cutoff } };
    const q = t.partialFilterExpression ? { $and: [t.partialFilterExpression, expired] } : expired;
    const cmd: Doc = {
      delete: t.coll,
      deletes: [{ q, limit: 0 }],
      ordered: false,
      maxTimeMS: DELETE_WAIT_MS,
      $db: t.db,
    };
    const ns = `${t.db}.${t.coll}`;
    try {
      const reply = await this.deleteCommand(cmd, {
        server: this.server,
        db: t.db,
        conn: MONITOR_CONNECTION,
      });
      this.metrics.deletedDocuments += Number(reply.n ?? 0);
      for (const e of (reply.writeErrors as Doc[] | undefined) ?? [])
        this.server.log(`ttl monitor: ${ns}: ${String(e.errmsg)}`);
    } catch (err) {
      this.server.log(`ttl monitor: ${ns}: ${(err as Error)?.message ?? String(err)}; the next pass retries`);
    }
  }
}

function ttlIndexes(coll: Collection): TtlTarget[] {
  const out: TtlTarget[] = [];
  for (const ix of coll.indexes.values()) {
    const { key, expireAfterSeconds, partialFilterExpression } = ix.spec;
    if (expireAfterSeconds === undefined || expireAfterSeconds === null) continue;
    const fields = Object.keys(key);
    const secs = Number(expireAfterSeconds);
    if (fields.length !== 1 || fields[0] === '_id' || !Number.isFinite(secs) || secs < 0) continue;
    out.push({
      db: coll.db,
      coll: coll.name,
      field: fields[0]!,
      expireAfterSeconds: secs,
      partialFilterExpression,
    });
  }
  return out;
}

/** ttlMonitorSleepSecs: a whole number of seconds, at least 1. */
function checkSleepSecs(secs: number): number {
  if (!Number.isInteger(secs) || secs < 1)
    throw new RangeError('ttlMonitorSleepSecs must be an integer of at least 1');
  return secs;
}
