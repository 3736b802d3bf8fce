/**
 * One collection's committed state: records by `_id` key (Map insertion order is natural order), its
 * indexes, and the primitive writes that keep both in step. Locks, transactions, memory and the oplog are
 * the engine's business; this class only keeps the data consistent and unique keys unique.
 */
import { UUID } from 'bson';
import { Codes, MongoError } from '../errors';
import { SecondaryIndex, type Rec } from './btree-index';
import { formatDoc } from './format';
import { normalizeIndexSpec, sameKey, sameOptions, type IndexSpec } from './index-spec';
import type { Doc } from './types';

/** A duplicate key error as MongoDB reports it. */
export function duplicateKeyError(ns: string, index: SecondaryIndex, tuple: unknown[]): MongoError {
  const keyValue = index.keyValue(tuple);
  return new MongoError(
    Codes.DuplicateKey,
    'DuplicateKey',
    `E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: ${formatDoc(keyValue)}`,
    [],
    { keyPattern: { ...index.spec.key }, keyValue },
  );
}

/** Keys a document contributes to each index, computed once per write. */
export type IndexKeys = Map<SecondaryIndex, unknown[][] | null>;

/** Committed documents and indexes of one collection. */
export class Collection {
  readonly recs = new Map<string, Rec>();
  readonly indexes = new Map<string, SecondaryIndex>();
  readonly uuid = new UUID();
  bytes = 0;
  private nextRid = 1;
  /** Paths the secondary indexes read (see `indexReads`); recomputed after index changes. */
  private indexPaths?: string[];

  constructor(
    /** Changed only by renameCollection. */
    public db: string,
    public name: string,
    /** create / collMod options (validator, changeStreamPreAndPostImages, ...); collMod replaces fields. */
    public options: Doc = {},
  ) {
    const idIndex = new SecondaryIndex({ v: 2, key: { _id: 1 }, name: '_id_' });
    this.indexes.set('_id_', idIndex);
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /**
   * Index keys of `doc` for every index, `_id_` included; with `changedTop` (the top-level fields an update
   * changed) only for the indexes over those fields: the others keep their entries.
   */
  keysFor(doc: Doc, changedTop?: Set<string>): IndexKeys {
    const out: IndexKeys = new Map();
    for (const ix of this.indexes.values())
      if (!changedTop || ix.touches(changedTop)) out.set(ix, ix.keysOf(doc));
    return out;
  }

  /**
   * Throws DuplicateKey when `doc` (as record `selfRid`, 0 for a new one) would clash in a unique index.
   * `skip` ignores records that a transaction replaces or deletes.
   */
  checkUnique(keys: IndexKeys, selfRid: number, skip?: (rec: Rec) => boolean): void {
    for (const [ix, k] of keys) {
      const clash = ix.findDuplicate(k, selfRid, skip);
      if (clash) throw duplicateKeyError(this.ns, ix, clash);
    }
  }

  insertRec(idk: string, doc: Doc, size: number, version: number, keys: IndexKeys = this.keysFor(doc)): Rec {
    const rec: Rec = { idk, rid: this.nextRid++, doc, size, version };
    this.recs.set(idk, rec);
    for (const [ix, k] of keys) ix.add(rec, k);
    this.bytes += size;
    return rec;
  }

  /** Replaces a record's document; `owned` becomes its set of in-place changeable containers (none by default). */
  replaceRec(
    rec: Rec,
    doc: Doc,
    size: number,
    version: number,
    keys: IndexKeys = this.keysFor(doc),
    owned?: WeakSet<object>,
  ): void {
    for (const [ix, k] of keys) {
      const old = ix.keysOf(rec.doc);
      if (SecondaryIndex.sameKeys(old, k)) continue;
      ix.remove(rec, old);
      ix.add(rec, k);
    }
    this.bytes += size - rec.size;
    rec.doc = doc;
    rec.size = size;
    rec.version = version;
    rec.owned = owned;
  }

  /**
   * Whether an update must copy the sub-document at `path` rather than change it in place: an index key (or a
   * partial index's filter) reads it, at it, inside it or above it, and the index's old entries are computed
   * from the old version when the new one replaces it.
   */
  indexReads(path: string): boolean {
    this.indexPaths ??= indexedPaths(this.indexes.values());
    for (const f of this.indexPaths)
      if (f === path || f.startsWith(path + '.') || path.startsWith(f + '.')) return true;
    return false;
  }

  deleteRec(rec: Rec): void {
    for (const ix of this.indexes.values()) ix.remove(rec);
    this.recs.delete(rec.idk);
    this.bytes -= rec.size;
  }

  /** Adds an index (built over the existing records); returns its name, or undefined when an identical one exists. */
  createIndex(raw: unknown): string | undefined {
    const spec: IndexSpec = normalizeIndexSpec(raw);
    const byName = this.indexes.get(spec.name);
    if (byName) {
      if (!sameKey(byName.spec, spec))
        throw new MongoError(
          Codes.IndexKeySpecsConflict,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatDoc(spec)}, existing index: ${formatDoc(byName.spec)}`,
        );
      if (spec.name === '_id_' || sameOptions(byName.spec, spec)) return undefined;
      throw new MongoError(
        Codes.IndexOptionsConflict,
        'IndexOptionsConflict',
        `An equivalent index already exists with the same name but different options. Requested index: ${formatDoc(spec)}, existing index: ${formatDoc(byName.spec)}`,
      );
    }
    for (const ix of this.indexes.values())
      if (sameKey(ix.spec, spec) && sameOptions(ix.spec, spec))
        throw new MongoError(
          Codes.IndexOptionsConflict,
          'IndexOptionsConflict',
          `Index already exists with a different name: ${ix.name}`,
        );
    const index = new SecondaryIndex(spec);
    for (const rec of this.recs.values()) {
      const keys = index.keysOf(rec.doc);
      const clash = index.findDuplicate(keys, rec.rid);
      if (clash) throw duplicateKeyError(this.ns, index, clash);
      index.add(rec, keys);
    }
    this.indexes.set(spec.name, index);
    this.indexPaths = undefined;
    return spec.name;
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
    this.indexPaths = undefined;
  }
}

/** Key paths and partial-filter paths of the secondary indexes. */
function indexedPaths(indexes: Iterable<SecondaryIndex>): string[] {
  const out: string[] = [];
  for (const ix of indexes) {
    if (ix.name === '_id_') continue;
    out.push(...ix.fields);
    if (ix.spec.partialFilterExpression) filterPaths(ix.spec.partialFilterExpression, out);
  }
  return out;
}

/** The field paths a query filter names (under `$and` / `$or` / `$nor` too). */
function filterPaths(filter: unknown, out: string[]): void {
  if (Array.isArray(filter)) for (const f of filter) filterPaths(f, out);
  else if (filter !== null && typeof filter === 'object')
    for (const [k, v] of Object.entries(filter)) {
      if (k === '$and' || k === '$or' || k === '$nor') filterPaths(v, out);
      else if (!k.startsWith('$')) out.push(k);
    }
}
