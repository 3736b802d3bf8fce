/**
 * A multi-document transaction's state: its own writes (an overlay per namespace), the oplog entries its
 * commit will append, and the document locks / unique-key reservations it holds until it ends.
 */
import type { Collection } from './collection';
import type { Overlay } from './planner';
import type { Doc, OplogEntry } from './types';

/** One write of the transaction, in statement order (one oplog entry at commit). */
export type PendingEntry = Omit<OplogEntry, 'seq' | 'ts' | 'wallTime'>;

/** Opaque handle E2 passes back to the engine. */
export class Transaction {
  state: 'active' | 'committed' | 'aborted' = 'active';
  /** ns → (`_id` key → new version, or null when deleted). */
  readonly writes = new Map<string, Overlay>();
  readonly entries: PendingEntry[] = [];
  /** Engine lock-map keys this transaction holds. */
  readonly locks = new Set<string>();
  /** Engine reservation-map keys this transaction holds. */
  readonly reservations = new Set<string>();
  /** Collections this transaction created (explicitly or by a first write): invisible to others until commit. */
  readonly newCollections = new Map<string, Collection>();
  /** BSON bytes of the versions in `writes` (`ns\0idk`), counted as they were written: commit reuses them. */
  readonly sizes = new Map<string, number>();
  /** Bytes the transaction's writes add to the committed state (negative when it deletes). */
  bytesDelta = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    /** Commit version current when it began: a record written after that is a write conflict. */
    readonly startVersion: number,
  ) {}

  overlay(ns: string): Overlay | undefined {
    return this.writes.get(ns);
  }

  overlayFor(ns: string): Overlay {
    let o = this.writes.get(ns);
    if (!o) this.writes.set(ns, (o = new Map<string, Doc | null>()));
    return o;
  }

  /** Resolves when the transaction commits or aborts. */
  ended(): Promise<void> {
    if (this.state !== 'active') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks it ended and wakes the writers waiting for its locks. */
  finish(state: 'committed' | 'aborted'): void {
    this.state = state;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
