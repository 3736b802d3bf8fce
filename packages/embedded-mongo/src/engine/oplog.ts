/**
 * The log of committed writes change streams read: bounded, in commit order, each entry with a strictly
 * increasing sequence number and cluster time.
 */
import { Timestamp } from 'bson';
import { deepCopy } from './clone';
import type { OplogEntry } from './types';

/** Bounded, ordered log of committed writes. */
export class Oplog {
  private entries: OplogEntry[] = [];
  /** Index in `entries` of the oldest retained entry (dropping from the front is amortised). */
  private head = 0;
  private seq = 0;
  private lastT = 0;
  private lastI = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly capacity = 100_000) {}

  /** Sequence number of the oldest retained entry (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.head < this.entries.length ? this.entries[this.head].seq : this.seq + 1;
  }

  /** Sequence number of the newest entry; 0 before any write. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Copies of the entries with `seq` greater than the given one, oldest first, at most `max`. */
  since(seq: number, max: number): OplogEntry[] {
    return this.stored(seq, max).map(copyEntry);
  }

  /**
   * The stored entries themselves (read-only: they must never change) with `seq` greater than the given one, at
   * most `max`: a reader that skips most entries copies only the ones it keeps (`copyEntry`).
   */
  stored(seq: number, max: number): readonly Readonly<OplogEntry>[] {
    const from = this.head + Math.max(0, seq + 1 - this.firstSeq);
    return this.entries.slice(from, Math.min(this.entries.length, from + Math.max(0, max)));
  }

  /** True when entries after `seq` were already dropped (a resume point fell off). */
  isLost(seq: number): boolean {
    return seq + 1 < this.firstSeq;
  }

  /** Calls `listener` after every commit that appended entries; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cluster time of the latest commit (operationTime). */
  currentTime(): Timestamp {
    if (this.lastT === 0) return new Timestamp({ t: Math.floor(Date.now() / 1000), i: 0 });
    return new Timestamp({ t: this.lastT, i: this.lastI });
  }

  /** A new, strictly greater cluster time (one per commit). */
  nextTime(now = Date.now()): Timestamp {
    const t = Math.floor(now / 1000);
    if (t > this.lastT) {
      this.lastT = t;
      this.lastI = 1;
    } else this.lastI++;
    return new Timestamp({ t: this.lastT, i: this.lastI });
  }

  /** Appends the entries of one commit (they share `ts`); seq is assigned here (the entries are kept). */
  append(entries: Omit<OplogEntry, 'seq'>[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      (e as OplogEntry).seq = ++this.seq;
      this.entries.push(e as OplogEntry);
    }
    const excess = this.entries.length - this.head - this.capacity;
    if (excess > 0) {
      this.head += excess;
      if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
    }
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A listener's failure must not undo or interrupt a commit.
      }
    }
  }
}

/** A copy of an entry that its reader may change: every document in it copied. */
export function copyEntry(e: Readonly<OplogEntry>): OplogEntry {
  const out: OplogEntry = { ...e };
  if (e.documentKey) out.documentKey = deepCopy(e.documentKey);
  if (e.fullDocument) out.fullDocument = deepCopy(e.fullDocument);
  if (e.updateDescription) out.updateDescription = deepCopy(e.updateDescription);
  if (e.lsid) out.lsid = deepCopy(e.lsid);
  if (e.preImage) out.preImage = deepCopy(e.preImage);
  if (e.operationDescription) out.operationDescription = deepCopy(e.operationDescription);
  if (e.stateBeforeChange) out.stateBeforeChange = deepCopy(e.stateBeforeChange);
  return out;
}
