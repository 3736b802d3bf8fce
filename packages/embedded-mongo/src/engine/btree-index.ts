/**
 * One index: a B+tree of key tuples `[v0, ..., vn-1, rid]` ordered by `bsonCompare` with each field's direction,
 * the record id breaking ties. It enforces uniqueness and serves equality-prefix / range / sort walks.
 */
import BTree from 'sorted-btree';
import { MongoError } from '../errors';
import { bsonCompare } from './compare';
import type { IndexSpec } from './index-spec';
import { compileFilter, type Matcher } from './matcher';
import { collectValues, splitPath } from './paths';
import type { Doc } from './types';
import { valueKey } from './value-key';

/** A stored document version and its bookkeeping; index entries point at it. */
export interface Rec {
  /** valueKey of `_id`. */
  readonly idk: string;
  /** Record id: insertion order, the tie-break of every index. */
  readonly rid: number;
  doc: Doc;
  /** BSON bytes of `doc`. */
  size: number;
  /** Commit sequence of the last write (write-conflict detection). */
  version: number;
  /**
   * Sub-documents of `doc` that nothing else holds (not the oplog, a snapshot, a transaction or an index key):
   * an update may change them in place (see update/in-place.ts). Undefined: none.
   */
  owned?: WeakSet<object>;
}

/** Bound sentinels: below / above every value, for seeking inside the tree. */
export const LOW: unknown = Object.freeze({ sentinel: 'low' });
/** See LOW. */
export const HIGH: unknown = Object.freeze({ sentinel: 'high' });

/** `[v0, ..., vn-1, rid]`, or a search bound padded with LOW / HIGH. */
export type IndexKey = unknown[];

/** An index (the `_id_` index included) over one collection's records. */
export class SecondaryIndex {
  readonly fields: string[];
  readonly dirs: (1 | -1)[];
  readonly unique: boolean;
  readonly tree: BTree<IndexKey, Rec>;
  /** Set once any indexed document had an array on an indexed path (like MongoDB, never reset). */
  multikey = false;
  private readonly segs: string[][];
  private readonly partial?: Matcher;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.dirs = this.fields.map((f) => spec.key[f]);
    this.segs = this.fields.map(splitPath);
    this.unique = spec.unique === true || spec.name === '_id_';
    if (spec.partialFilterExpression) this.partial = compileFilter(spec.partialFilterExpression);
    const n = this.fields.length;
    const dirs = this.dirs;
    this.tree = new BTree<IndexKey, Rec>(undefined, (a, b) => {
      for (let i = 0; i < n; i++) {
        const x = a[i];
        const y = b[i];
        if (x === y) continue;
        if (x === LOW || y === HIGH) return -1;
        if (x === HIGH || y === LOW) return 1;
        const c = bsonCompare(x, y);
        if (c !== 0) return dirs[i] === 1 ? c : -c;
      }
      const x = a[n];
      const y = b[n];
      if (x === y) return 0;
      if (x === LOW || y === HIGH) return -1;
      if (x === HIGH || y === LOW) return 1;
      return (x as number) - (y as number);
    });
  }

  /** True when a change of these top-level fields may change the index's entries. */
  touches(topFields: Set<string>): boolean {
    // Membership of a partial index depends on fields outside its key.
    if (this.partial) return true;
    for (const segs of this.segs) if (topFields.has(segs[0])) return true;
    return false;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The key tuples (without rid) a document contributes; null when the index skips it (sparse / partial). */
  keysOf(doc: Doc): unknown[][] | null {
    if (this.partial && !this.partial.test(doc)) return null;
    const n = this.fields.length;
    if (n === 1) {
      const vals: unknown[] = [];
      if (collectValues(doc, this.segs[0], 0, 'index', vals)) this.multikey = true;
      if (this.spec.sparse && vals.every((v) => v === undefined)) return null;
      if (vals.length === 1) return [[vals[0] ?? null]];
      return dedupe(vals.map((v) => [v ?? null]));
    }
    const perField: unknown[][] = [];
    let arrays = 0;
    let allMissing = true;
    for (let i = 0; i < n; i++) {
      const vals: unknown[] = [];
      if (collectValues(doc, this.segs[i], 0, 'index', vals)) {
        this.multikey = true;
        if (vals.length > 1) arrays++;
      }
      if (vals.some((v) => v !== undefined)) allMissing = false;
      perField.push(vals.map((v) => v ?? null));
    }
    if (this.spec.sparse && allMissing) return null;
    if (arrays > 1)
      throw new MongoError(
        171,
        'CannotIndexParallelArrays',
        `cannot index parallel arrays [${this.fields.join('] [')}]`,
      );
    let tuples: unknown[][] = [[]];
    for (const vals of perField) tuples = tuples.flatMap((t) => vals.map((v) => [...t, v]));
    return tuples.length > 1 ? dedupe(tuples) : tuples;
  }

  add(rec: Rec, keys = this.keysOf(rec.doc)): void {
    if (keys) for (const k of keys) this.tree.set([...k, rec.rid], rec);
  }

  remove(rec: Rec, keys = this.keysOf(rec.doc)): void {
    if (keys) for (const k of keys) this.tree.delete([...k, rec.rid]);
  }

  /**
   * A record other than `selfRid` holding one of `keys`, ignoring records `skip` says are being replaced;
   * returns the clashing key tuple.
   */
  findDuplicate(
    keys: unknown[][] | null,
    selfRid: number,
    skip?: (rec: Rec) => boolean,
  ): unknown[] | undefined {
    if (!keys || !this.unique) return undefined;
    for (const k of keys) {
      for (const [key, rec] of this.tree.entries([...k, LOW])) {
        if (!this.samePrefix(key, k)) break;
        if (rec.rid !== selfRid && !(skip && skip(rec))) return k;
      }
    }
    return undefined;
  }

  /** True when the first `prefix.length` values of `key` equal `prefix`. */
  samePrefix(key: IndexKey, prefix: unknown[]): boolean {
    for (let i = 0; i < prefix.length; i++) if (bsonCompare(key[i], prefix[i]) !== 0) return false;
    return true;
  }

  /** `{field: value}` of a key tuple (duplicate-key errors). */
  keyValue(tuple: unknown[]): Doc {
    const out: Doc = {};
    this.fields.forEach((f, i) => (out[f] = tuple[i]));
    return out;
  }

  /** True when two key lists are the same (an update that leaves the index untouched). */
  static sameKeys(a: unknown[][] | null, b: unknown[][] | null): boolean {
    if (a === null || b === null) return a === b;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      for (let j = 0; j < x.length; j++) if (x[j] !== y[j] && valueKey(x[j]) !== valueKey(y[j])) return false;
    }
    return true;
  }
}

function dedupe(tuples: unknown[][]): unknown[][] {
  const seen = new Set<string>();
  return tuples.filter((t) => {
    const k = valueKey(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
