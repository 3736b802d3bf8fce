import type { Timestamp } from 'bson';
import type { Engine } from '../engine';
import { copyEntry } from '../engine/oplog';
import type { Doc, OplogEntry } from '../engine/types';
import { MongoError, mongoError } from '../errors';
import { batchLength, type Batch, type ServerCursor } from '../cursors/cursor';
import { changeEvent, invalidateEvent, reports, type EventOptions } from './change-event';
import type { EventFilter } from './event-pipeline';
import { decodeToken, encodeToken } from './resume-token';

/** What a stream watches. */
export type StreamScope =
  { kind: 'collection'; db: string; coll: string } | { kind: 'database'; db: string } | { kind: 'cluster' };

export interface StreamSpec extends EventOptions {
  scope: StreamScope;
  /** Events come from oplog entries after this seq. */
  startSeq: number;
  /** startAtOperationTime: entries older than this are skipped. */
  minTime?: Timestamp;
  filter?: EventFilter;
}

/** The label MongoDB puts on change-stream errors a driver must not resume from. */
export const NON_RESUMABLE = 'NonResumableChangeStreamError';

/** Default wait of an awaitData getMore without maxTimeMS (MongoDB's 1 s). */
export const DEFAULT_AWAIT_MS = 1000;
/** Oplog entries read per step. */
const READ_CHUNK = 256;
/** Events prepared for a getMore without batchSize (more come with the next one). */
const DEFAULT_BATCH = 1000;
const INTERNAL_DBS = new Set(['admin', 'config', 'local']);

/**
 * A change stream: reads the oplog from its position, turns the entries it watches into events, and when there
 * are none, makes getMore wait (without holding the event loop) for the next append, a kill, or the deadline.
 */
export class ChangeStreamCursor implements ServerCursor {
  readonly isChangeStream = true;
  /** Last oplog seq examined. */
  private seq: number;
  /** Events made but not handed out yet (a batch can be smaller than an oplog chunk). */
  private pending: Doc[] = [];
  private invalidated = false;
  private killed = false;
  private wake?: () => void;

  constructor(
    readonly ns: string,
    private readonly spec: StreamSpec,
    private readonly engine: Engine,
    readonly sessionKey?: string,
  ) {
    this.seq = spec.startSeq;
  }

  next(batchSize: number | undefined, maxTimeMS: number | undefined): Batch | Promise<Batch> {
    const batch = this.take(batchSize);
    if (batch.docs.length > 0 || batch.exhausted) return batch;
    return this.await(batchSize, maxTimeMS ?? DEFAULT_AWAIT_MS);
  }

  kill(): void {
    this.killed = true;
    this.pending = [];
    this.wake?.();
  }

  /** The events available now, up to `batchSize`, and the token to resume after them. */
  take(batchSize: number | undefined): Batch {
    this.fill(batchSize ?? DEFAULT_BATCH);
    const n = batchLength(this.pending, 0, batchSize);
    const docs = this.pending.splice(0, n);
    return {
      docs,
      exhausted: this.invalidated && this.pending.length === 0,
      postBatchResumeToken: this.resumePoint(docs[docs.length - 1]),
    };
  }

  /** Where to resume after handing out `last`: never past an event that is still pending. */
  private resumePoint(last: Doc | undefined): Doc {
    if (this.pending.length > 0) {
      return last ? last._id : encodeToken(decodeToken(this.pending[0]._id).seq - 1);
    }
    if (last?.operationType === 'invalidate') return last._id;
    return encodeToken(this.seq);
  }

  private async await(batchSize: number | undefined, maxTimeMS: number): Promise<Batch> {
    const deadline = Date.now() + maxTimeMS;
    for (let left = maxTimeMS; left > 0; left = deadline - Date.now()) {
      await this.nextAppend(left);
      if (this.killed) throw killedError();
      const batch = this.take(batchSize);
      if (batch.docs.length > 0 || batch.exhausted) return batch;
    }
    return this.take(batchSize);
  }

  /**
   * Resolves one event-loop turn after the next oplog append (so the writes other connections make in the same
   * turn reach the stream in one batch rather than one getMore each), on a kill, or after `ms`.
   */
  private nextAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let soon: NodeJS.Immediate | undefined;
      const done = (): void => {
        unsubscribe();
        clearTimeout(timer);
        if (soon) clearImmediate(soon);
        this.wake = undefined;
        resolve();
      };
      const unsubscribe = this.engine.oplog.onAppend(() => {
        soon ??= setImmediate(done);
      });
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Reads the oplog until `want` events are pending, the oplog is exhausted, or the stream is invalidated. */
  private fill(want: number): void {
    const oplog = this.engine.oplog;
    while (this.pending.length < want && !this.invalidated && !this.killed) {
      if (oplog.isLost(this.seq)) {
        throw mongoError(
          'ChangeStreamHistoryLost',
          'the change stream fell behind the oldest entry the oplog keeps',
        );
      }
      const entries = oplog.stored(this.seq, READ_CHUNK);
      if (entries.length === 0) return;
      for (const entry of entries) {
        this.seq = entry.seq;
        this.consume(entry);
        if (this.invalidated) return;
      }
    }
  }

  /** Turns a stored entry into this stream's event, copying it only once the stream is known to watch it. */
  private consume(stored: Readonly<OplogEntry>): void {
    const { scope, minTime } = this.spec;
    if (minTime && compareTimestamps(stored.ts, minTime) < 0) return;
    if (!this.watches(stored) || !reports(stored, this.spec)) return;
    const entry = copyEntry(stored);
    const endsStream =
      (scope.kind === 'collection' &&
        (entry.op === 'drop' || entry.op === 'dropDatabase' || entry.op === 'rename')) ||
      (scope.kind === 'database' && entry.op === 'dropDatabase');
    // MongoDB reports a database drop to a collection stream as the drop of that collection.
    const seen =
      scope.kind === 'collection' && entry.op === 'dropDatabase'
        ? { ...entry, op: 'drop' as const, ns: { db: scope.db, coll: scope.coll } }
        : entry;
    this.emit(changeEvent(seen, this.engine, this.spec));
    if (endsStream) {
      this.pending.push(invalidateEvent(entry));
      this.invalidated = true;
    }
  }

  private emit(event: Doc): void {
    const out = this.spec.filter ? this.spec.filter(event) : event;
    if (out) this.pending.push(out);
  }

  private watches(entry: OplogEntry): boolean {
    const { scope } = this.spec;
    const { db, coll } = entry.ns;
    if (coll?.startsWith('system.')) return false;
    if (scope.kind === 'cluster') return !INTERNAL_DBS.has(db);
    if (db !== scope.db) return false;
    if (scope.kind === 'database') return true;
    return coll === scope.coll || entry.op === 'dropDatabase';
  }
}

/** MongoDB's answer to a getMore on a killed change stream: one the driver resumes from. */
export function killedError(): MongoError {
  return mongoError('CursorNotFound', 'cursor was killed', ['ResumableChangeStreamError']);
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.t - b.t || a.i - b.i;
}
