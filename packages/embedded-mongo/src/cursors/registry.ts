import { randomInt } from 'node:crypto';
import type { ServerCursor } from './cursor';

/** How long a cursor may sit unused before it is reaped, as MongoDB's cursorTimeoutMillis (10 minutes). */
const IDLE_TIMEOUT_MS = 10 * 60_000;
/** Remembered ids of killed change-stream cursors, so their next getMore error carries the resumable label. */
const KILLED_STREAMS_KEPT = 1024;

interface Entry {
  cursor: ServerCursor;
  lastUse: number;
  /** A getMore is running on it: not reaped while it waits. */
  busy: boolean;
}

/**
 * Open cursors by id. Ids are random, non-zero and below 2^53, so they travel as int64 and come back from the
 * decoder as exact JS numbers. Any connection may use or kill any cursor: drivers pool connections, so a
 * cursor outlives the connection that opened it.
 */
export class CursorRegistry {
  private readonly cursors = new Map<number, Entry>();
  private readonly killedStreams = new Set<number>();

  /** Registers a cursor and returns its id. */
  open(cursor: ServerCursor): number {
    let id: number;
    do id = randomInt(1, 2 ** 48) * 32 + randomInt(0, 32);
    while (this.cursors.has(id));
    this.cursors.set(id, { cursor, lastUse: Date.now(), busy: false });
    return id;
  }

  get(id: number): ServerCursor | undefined {
    return this.cursors.get(id)?.cursor;
  }

  /** Marks a cursor busy (a getMore is running) or idle again. */
  setBusy(id: number, busy: boolean): void {
    const entry = this.cursors.get(id);
    if (!entry) return;
    entry.busy = busy;
    entry.lastUse = Date.now();
  }

  /** Forgets an exhausted cursor without counting it as killed. */
  close(id: number): void {
    this.cursors.delete(id);
  }

  /** Kills one cursor; false if there was none with that id. */
  kill(id: number): boolean {
    const entry = this.cursors.get(id);
    if (!entry) return false;
    this.cursors.delete(id);
    if (entry.cursor.isChangeStream) {
      this.killedStreams.add(id);
      if (this.killedStreams.size > KILLED_STREAMS_KEPT) {
        this.killedStreams.delete(this.killedStreams.values().next().value!);
      }
    }
    entry.cursor.kill();
    return true;
  }

  /** Whether `id` was a change stream that got killed (its getMore error is resumable). */
  wasKilledStream(id: number): boolean {
    return this.killedStreams.has(id);
  }

  /** Kills every cursor; returns how many. */
  killAll(): number {
    const ids = [...this.cursors.keys()];
    for (const id of ids) this.kill(id);
    return ids.length;
  }

  /** Kills the cursors opened by the given sessions (endSessions). */
  killSessions(keys: ReadonlySet<string>): void {
    for (const [id, entry] of this.cursors) {
      if (entry.cursor.sessionKey !== undefined && keys.has(entry.cursor.sessionKey)) this.kill(id);
    }
  }

  /** Reaps cursors idle past the timeout; returns how many. */
  sweep(now = Date.now()): number {
    let reaped = 0;
    for (const [id, entry] of this.cursors) {
      if (entry.busy || now - entry.lastUse < IDLE_TIMEOUT_MS) continue;
      this.kill(id);
      reaped++;
    }
    return reaped;
  }

  get size(): number {
    return this.cursors.size;
  }
}
