/**
 * Snapshot isolation for transactions: while any transaction is open, every committed change keeps the version
 * it replaced ("before image", null when the document did not exist), tagged with the commit version that
 * replaced it. A transaction that started at version S then sees, for each document changed after S, the
 * before image of the first change after S: the document as it was at S. Images nobody can need any more (all
 * open transactions started after them) are dropped.
 */
import type { Overlay } from './planner';
import type { Doc } from './types';

interface Change {
  version: number;
  ns: string;
  idk: string;
  before: Doc | null;
}

/** Before images of the documents changed since the oldest open transaction began. */
export class SnapshotHistory {
  /** ns → `_id` key → changes in commit order. */
  private readonly byDoc = new Map<string, Map<string, Change[]>>();
  /** Every kept change in commit order (versions only grow), for dropping old ones from the front. */
  private queue: Change[] = [];
  private head = 0;

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Records that commit `version` changed (`ns`, `idk`), whose previous version was `before`. */
  record(version: number, ns: string, idk: string, before: Doc | null): void {
    const change: Change = { version, ns, idk, before };
    let docs = this.byDoc.get(ns);
    if (!docs) this.byDoc.set(ns, (docs = new Map()));
    const list = docs.get(idk);
    if (list) list.push(change);
    else docs.set(idk, [change]);
    this.queue.push(change);
  }

  /** Whether (`ns`, `idk`) changed after `version`. */
  changedSince(ns: string, idk: string, version: number): boolean {
    const list = this.byDoc.get(ns)?.get(idk);
    return list !== undefined && list[list.length - 1].version > version;
  }

  /**
   * The documents of `ns` that differ at `version` from the committed state: `_id` key → the version as of
   * then (null: absent then). Undefined when nothing changed since.
   */
  asOf(ns: string, version: number): Overlay | undefined {
    const docs = this.byDoc.get(ns);
    if (!docs) return undefined;
    let out: Overlay | undefined;
    for (const [idk, list] of docs) {
      if (list[list.length - 1].version <= version) continue;
      out ??= new Map();
      out.set(idk, list[firstAfter(list, version)].before);
    }
    return out;
  }

  /** Drops the changes at or before `version` (no open transaction started before them); all when undefined. */
  prune(version: number | undefined): void {
    if (version === undefined) {
      this.byDoc.clear();
      this.queue = [];
      this.head = 0;
      return;
    }
    // Count per document first, then cut each list once (a hot document can have thousands of changes).
    const cut = new Map<Change[], { docs: Map<string, Change[]>; c: Change; n: number }>();
    while (this.head < this.queue.length && this.queue[this.head].version <= version) {
      const c = this.queue[this.head++];
      const docs = this.byDoc.get(c.ns)!;
      const list = docs.get(c.idk)!;
      const entry = cut.get(list);
      if (entry) entry.n++;
      else cut.set(list, { docs, c, n: 1 });
    }
    for (const [list, { docs, c, n }] of cut) {
      list.splice(0, n);
      if (list.length === 0) docs.delete(c.idk);
      if (docs.size === 0) this.byDoc.delete(c.ns);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/** Index of the first change after `version` in a list ordered by version (one exists). */
function firstAfter(list: Change[], version: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].version > version) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
