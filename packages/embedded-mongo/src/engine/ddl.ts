/**
 * Catalog changes: create, createIndexes, dropIndexes, renameCollection, collMod and `$out`'s wholesale
 * replacement. Each appends the oplog entry change streams turn into its event (create, createIndexes,
 * dropIndexes and modify reach only streams opened with `showExpandedEvents`; rename reaches every stream on
 * the collection or its database, and ends a collection stream). Inside a transaction, create and
 * createIndexes stay invisible to others until the commit, as in MongoDB.
 */
import { deepCopy } from './clone';
import { isPlainObject } from './bson-types';
import { checkNamespace, notOnView } from './catalog';
import { Collection, duplicateKeyError } from './collection';
import { validateForStorage } from './doc-validate';
import { mongoError } from '../errors';
import { createEntry, type NewEntry, type Store } from './store';
import type { Transaction } from './transaction';
import type { Doc } from './types';
import { checkValidatorOptions } from './validation';
import { valueKey } from './value-key';

/** Options `create` and `collMod` may set and that this server acts on or keeps. */
const MODIFIABLE = new Set([
  'validator',
  'validationLevel',
  'validationAction',
  'changeStreamPreAndPostImages',
  'index',
]);

/** What createIndexes did. */
export interface CreatedIndexes {
  created: string[];
  createdCollection: boolean;
  before: number;
  after: number;
}

/** Catalog changes of one store. */
export class Ddl {
  constructor(private readonly store: Store) {}

  /**
   * `create`: NamespaceExists (48) when it exists (for a transaction: also when it created it already). With
   * `viewOn` (and `pipeline`), a view.
   */
  createCollection(db: string, name: string, options: Doc, txn?: Transaction): void {
    checkNamespace(db, name);
    if (options.viewOn !== undefined) return this.createView(db, name, options, txn);
    checkValidatorOptions(options);
    const ns = `${db}.${name}`;
    if (this.store.catalog.get(db, name) || this.store.catalog.view(db, name) || txn?.newCollections.has(ns))
      throw mongoError('NamespaceExists', `Collection ${ns} already exists.`);
    if (txn) {
      this.store.inTxn(txn, () => {
        this.store.txnCollection(txn, db, name).options = options;
      });
      return;
    }
    const coll = this.store.catalog.create(db, name, options);
    this.store.appendCommitted(createEntry(coll));
  }

  private createView(db: string, name: string, options: Doc, txn?: Transaction): void {
    if (txn)
      throw mongoError(
        'OperationNotSupportedInTransaction',
        'Cannot create a view in a multi-document transaction.',
      );
    const { viewOn, pipeline = [] } = options;
    if (typeof viewOn !== 'string' || viewOn === '')
      throw mongoError('TypeMismatch', "'viewOn' must be the name of a collection or view");
    if (!Array.isArray(pipeline) || !pipeline.every((s) => isPlainObject(s)))
      throw mongoError('TypeMismatch', "'pipeline' of a view must be an array of stages");
    for (const k of Object.keys(options))
      if (k !== 'viewOn' && k !== 'pipeline' && k !== 'collation')
        throw mongoError('InvalidOptions', `option '${k}' is not allowed for a view`);
    this.store.catalog.createView(db, { name, viewOn, pipeline: deepCopy(pipeline) });
    this.store.appendCommitted({
      op: 'create',
      ns: { db, coll: name },
      operationDescription: { viewOn, pipeline: deepCopy(pipeline) },
    });
  }

  /**
   * `createIndexes`: all or nothing; an identical existing index is a no-op. In a transaction only on a
   * collection the transaction created (or creates now), as MongoDB allows.
   */
  createIndexes(db: string, name: string, specs: unknown[], txn?: Transaction): CreatedIndexes {
    const existed =
      this.store.catalog.get(db, name) !== undefined || txn?.newCollections.has(`${db}.${name}`);
    if (txn && this.store.catalog.get(db, name))
      throw mongoError(
        'OperationNotSupportedInTransaction',
        `Cannot create new indexes on existing collection ${db}.${name} in a multi-document transaction.`,
      );
    const run = (): CreatedIndexes => {
      const coll = txn ? this.store.txnCollection(txn, db, name) : this.store.ensureCollection(db, name);
      const before = coll.indexes.size;
      const created: string[] = [];
      try {
        for (const spec of specs) {
          const added = coll.createIndex(spec);
          if (added) created.push(added);
        }
        if (txn) for (const ix of created) checkOverlayUnique(coll, txn, ix);
      } catch (e) {
        for (const ix of created) coll.dropIndex(ix);
        throw e;
      }
      if (created.length > 0) {
        const entry: NewEntry = {
          op: 'createIndexes',
          ns: { db, coll: name },
          uuid: coll.uuid,
          operationDescription: { indexes: created.map((ix) => deepCopy(coll.indexes.get(ix)!.spec)) },
        };
        if (txn) txn.entries.push(entry);
        else this.store.appendCommitted(entry);
      }
      return { created, createdCollection: !existed, before, after: coll.indexes.size };
    };
    if (!txn) return run();
    let result: CreatedIndexes | undefined;
    this.store.inTxn(txn, () => {
      result = run();
    });
    return result!;
  }

  /** `dropIndexes` of the named indexes (already validated by the caller). */
  dropIndexes(coll: Collection, names: string[]): void {
    const specs = names.map((n) => deepCopy(coll.indexes.get(n)!.spec));
    for (const n of names) coll.dropIndex(n);
    if (specs.length === 0) return;
    this.store.appendCommitted({
      op: 'dropIndexes',
      ns: { db: coll.db, coll: coll.name },
      uuid: coll.uuid,
      operationDescription: { indexes: specs },
    });
  }

  /**
   * `renameCollection`: moves a collection (its documents, indexes and options) to another name, in the same
   * database or another. With `dropTarget` an existing target is dropped first; else NamespaceExists (48).
   */
  renameCollection(
    from: { db: string; coll: string },
    to: { db: string; coll: string },
    dropTarget: boolean,
  ): void {
    const { catalog } = this.store;
    checkNamespace(to.db, to.coll);
    if (catalog.view(from.db, from.coll)) throw notOnView(from.db, from.coll);
    const source = catalog.get(from.db, from.coll);
    if (!source)
      throw mongoError('NamespaceNotFound', `Source collection ${from.db}.${from.coll} does not exist`);
    if (from.db === to.db && from.coll === to.coll)
      throw mongoError('IllegalOperation', "Can't rename a collection to itself");
    const target = catalog.get(to.db, to.coll);
    if ((target && !dropTarget) || catalog.view(to.db, to.coll))
      throw mongoError('NamespaceExists', 'target namespace exists');
    this.store.abortWritersOf(source.ns);
    const description: Doc = { to: { ...to } };
    if (target) {
      description.dropTarget = target.uuid;
      this.store.dropCollection(to.db, to.coll);
    }
    catalog.drop(from.db, from.coll);
    source.db = to.db;
    source.name = to.coll;
    catalog.adopt(source);
    this.store.version++;
    this.store.appendCommitted({
      op: 'rename',
      ns: { ...from },
      uuid: source.uuid,
      to: { ...to },
      operationDescription: description,
    });
  }

  /**
   * `collMod`: changes a collection's options (validator, validation level and action, pre- and post-images,
   * an index's hidden / expireAfterSeconds). Returns the reply fields MongoDB adds for index changes.
   */
  modifyCollection(db: string, name: string, changes: Doc): Doc {
    const coll = this.store.catalog.get(db, name);
    if (!coll) throw mongoError('NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    for (const k of Object.keys(changes))
      if (!MODIFIABLE.has(k))
        throw mongoError('InvalidOptions', `BSON field 'collMod.${k}' is an unknown field.`);
    checkValidatorOptions(changes);
    if (changes.changeStreamPreAndPostImages !== undefined) {
      const v = changes.changeStreamPreAndPostImages;
      if (v === null || typeof v !== 'object' || typeof v.enabled !== 'boolean')
        throw mongoError(
          'TypeMismatch',
          "BSON field 'changeStreamPreAndPostImages.enabled' is missing or not a boolean",
        );
    }
    const reply: Doc = {};
    const stateBeforeChange: Doc = { collectionOptions: deepCopy(coll.options) };
    const options = { ...coll.options };
    for (const [k, v] of Object.entries(changes)) {
      if (k === 'index') Object.assign(reply, this.modifyIndex(coll, v));
      else options[k] = deepCopy(v);
    }
    coll.options = options;
    this.store.appendCommitted({
      op: 'modify',
      ns: { db, coll: name },
      uuid: coll.uuid,
      operationDescription: deepCopy(changes),
      stateBeforeChange,
    });
    return reply;
  }

  private modifyIndex(coll: Collection, change: unknown): Doc {
    if (change === null || typeof change !== 'object')
      throw mongoError('TypeMismatch', "BSON field 'collMod.index' is the wrong type, expected object");
    const c = change as Doc;
    const ix = [...coll.indexes.values()].find((i) =>
      typeof c.name === 'string' ? i.name === c.name : valueKey(i.spec.key) === valueKey(c.keyPattern),
    );
    if (!ix) throw mongoError('IndexNotFound', `cannot find index ${JSON.stringify(c.name ?? c.keyPattern)}`);
    const reply: Doc = {};
    for (const option of ['hidden', 'expireAfterSeconds'] as const) {
      if (c[option] === undefined) continue;
      reply[`${option}_old`] = ix.spec[option] ?? (option === 'hidden' ? false : undefined);
      reply[`${option}_new`] = c[option];
      ix.spec[option] = c[option];
    }
    return reply;
  }

  /**
   * `$out`: the collection's documents become `docs` at once, its indexes and options kept (a new collection
   * when it did not exist); all or nothing. Change streams see the old target dropped, then the collection
   * created and the documents inserted.
   */
  replaceCollection(db: string, name: string, docs: Doc[]): void {
    checkNamespace(db, name);
    const { store } = this;
    if (store.catalog.view(db, name)) throw notOnView(db, name);
    const old = store.catalog.get(db, name);
    const next = new Collection(db, name, old ? deepCopy(old.options) : {});
    if (old)
      for (const ix of old.indexes.values()) if (ix.name !== '_id_') next.createIndex(deepCopy(ix.spec));
    const version = store.version + 1;
    let bytes = 0;
    for (const doc of docs) {
      const size = validateForStorage(doc);
      const keys = next.keysFor(doc);
      const idk = valueKey(doc._id);
      if (next.recs.has(idk)) throw duplicateKeyError(next.ns, next.indexes.get('_id_')!, [doc._id]);
      next.checkUnique(keys, 0);
      next.insertRec(idk, doc, size, version, keys);
      bytes += size;
    }
    store.memoryCheck(bytes - (old?.bytes ?? 0));
    if (old) store.dropCollection(db, name);
    store.catalog.adopt(next);
    store.version = Math.max(store.version, version);
    store.bytes += bytes;
    const entries: NewEntry[] = [createEntry(next)];
    for (const doc of docs)
      entries.push({
        op: 'insert',
        ns: { db, coll: name },
        uuid: next.uuid,
        documentKey: { _id: doc._id },
        fullDocument: doc,
      });
    store.appendCommitted(...entries);
  }
}

/** A unique index created in a transaction must hold over the documents the transaction already wrote. */
function checkOverlayUnique(coll: Collection, txn: Transaction, name: string): void {
  const ix = coll.indexes.get(name)!;
  if (!ix.unique) return;
  const seen = new Set<string>();
  for (const doc of txn.overlay(coll.ns)?.values() ?? []) {
    if (!doc) continue;
    for (const tuple of ix.keysOf(doc) ?? []) {
      const k = valueKey(tuple);
      if (seen.has(k)) throw duplicateKeyError(coll.ns, ix, tuple);
      seen.add(k);
    }
  }
}
