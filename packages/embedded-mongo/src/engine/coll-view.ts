/**
 * One collection as a command sees it: committed state, plus the transaction's own writes when the command
 * runs inside one. Reads return stored versions: callers never change them, and copy what they keep or hand
 * out before the next write (an update may change sub-documents of the stored version in place).
 */
import type { Collection } from './collection';
import type { Matcher } from './matcher';
import { runQuery, type Overlay, type QueryOptions, type QueryResult } from './planner';
import type { Store, WriteOptions } from './store';
import type { Transaction } from './transaction';
import type { Doc } from './types';
import { applyUpdate, type ParsedUpdate, type UpdateEnv, type UpdateOutcome } from './update';

/** A collection seen from one command, optionally inside a transaction. */
export class CollView {
  constructor(
    private readonly store: Store,
    readonly db: string,
    readonly name: string,
    readonly txn?: Transaction,
    private readonly writeOptions: WriteOptions = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** The committed collection, or the one the transaction created; undefined when neither exists. */
  get coll(): Collection | undefined {
    return this.store.catalog.get(this.db, this.name) ?? this.txn?.newCollections.get(this.ns);
  }

  /** Inside a transaction: its snapshot's differences from the committed state, and its own writes. */
  private get overlay(): Overlay | undefined {
    return this.txn ? this.store.overlayFor(this.txn, this.ns) : undefined;
  }

  query(m: Matcher, opts?: QueryOptions): QueryResult {
    return runQuery(this.coll, this.overlay, m, opts);
  }

  /** Every visible document in natural order. */
  docs(): Doc[] {
    const coll = this.coll;
    const overlay = this.overlay;
    const out: Doc[] = [];
    if (coll)
      for (const rec of coll.recs.values()) {
        const d = overlay?.has(rec.idk) ? overlay.get(rec.idk) : rec.doc;
        if (d) out.push(d);
      }
    if (overlay) for (const [idk, d] of overlay) if (d && !coll?.recs.has(idk)) out.push(d);
    return out;
  }

  /** Number of visible documents. */
  count(): number {
    const overlay = this.overlay;
    if (!overlay || overlay.size === 0) return this.coll?.recs.size ?? 0;
    return this.docs().length;
  }

  /** Outside a transaction: RetryWhenUnlocked when a transaction holds any of these documents. */
  assertUnlocked(docs: Doc[]): void {
    if (!this.txn && docs.length > 1) this.store.assertUnlocked(this.db, this.name, docs);
  }

  insert(doc: Doc): void {
    if (this.txn) this.store.txnInsert(this.txn, this.db, this.name, doc, this.writeOptions);
    else this.store.insert(this.db, this.name, doc, this.writeOptions);
  }

  /**
   * Applies `u` to the visible version `old` and stores the result; returns the outcome. Outside a transaction
   * the update may change sub-documents of the stored version in place (the store says which), so `old` must
   * not be read after this call: read what is needed of it first.
   */
  applyUpdate(old: Doc, u: ParsedUpdate, env: UpdateEnv): UpdateOutcome {
    const inPlace = this.txn ? undefined : this.store.inPlaceRules(this.db, this.name, old);
    const outcome = applyUpdate(old, u, { ...env, inPlace });
    this.update(old, outcome);
    return outcome;
  }

  update(old: Doc, outcome: UpdateOutcome): void {
    if (this.txn) this.store.txnUpdate(this.txn, this.db, this.name, old, outcome, this.writeOptions);
    else this.store.update(this.db, this.name, old, outcome, this.writeOptions);
  }

  remove(doc: Doc): void {
    if (this.txn) this.store.txnRemove(this.txn, this.db, this.name, doc);
    else this.store.remove(this.db, this.name, doc);
  }
}
