/**
 * Databases and their collections. Collections come into being implicitly on a first write, or by `create`.
 */
import { MongoError, mongoError } from '../errors';
import { Collection } from './collection';
import type { Doc } from './types';

const BAD_DB_CHARS = /[/\\. "$*<>:|?\0]/;

/** Throws InvalidNamespace (73) for names MongoDB rejects. */
export function checkNamespace(db: string, coll?: string): void {
  if (typeof db !== 'string' || db === '' || db.length > 64 || BAD_DB_CHARS.test(db))
    throw mongoError('InvalidNamespace', `Invalid database name: '${String(db)}'`);
  if (coll === undefined) return;
  if (
    typeof coll !== 'string' ||
    coll === '' ||
    coll.includes('\0') ||
    coll.startsWith('.') ||
    (coll.includes('$') && !coll.startsWith('system.'))
  )
    throw mongoError('InvalidNamespace', `Invalid collection name: ${String(coll)}`);
}

/** A view: a read-only collection computed by a pipeline over another collection (or view). */
export interface ViewDef {
  name: string;
  viewOn: string;
  pipeline: Doc[];
}

/** CommandNotSupportedOnView (166): a view cannot be written to or indexed. */
export function notOnView(db: string, name: string): MongoError {
  return new MongoError(
    166,
    'CommandNotSupportedOnView',
    `Namespace ${db}.${name} is a view, not a collection`,
  );
}

/** The databases, collections and views of one engine. */
export class Catalog {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly views = new Map<string, Map<string, ViewDef>>();

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** The view of that name, if there is one. */
  view(db: string, name: string): ViewDef | undefined {
    return this.views.get(db)?.get(name);
  }

  /** The views of a database. */
  viewsOf(db: string): ViewDef[] {
    return [...(this.views.get(db)?.values() ?? [])];
  }

  /** The collection, created (without options) when missing; a view's name gets code 166. */
  ensure(db: string, name: string): Collection {
    const existing = this.get(db, name);
    if (existing) return existing;
    checkNamespace(db, name);
    if (this.view(db, name)) throw notOnView(db, name);
    return this.add(db, name, {});
  }

  /** `create`: NamespaceExists (48) when a collection or view has the name. */
  create(db: string, name: string, options: Doc): Collection {
    checkNamespace(db, name);
    if (this.get(db, name) || this.view(db, name))
      throw mongoError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    return this.add(db, name, options);
  }

  /** `create` with `viewOn`: NamespaceExists (48) when a collection or view has the name. */
  createView(db: string, def: ViewDef): void {
    checkNamespace(db, def.name);
    if (this.get(db, def.name) || this.view(db, def.name))
      throw mongoError('NamespaceExists', `Collection ${db}.${def.name} already exists.`);
    let views = this.views.get(db);
    if (!views) this.views.set(db, (views = new Map()));
    views.set(def.name, def);
  }

  /** Removes a view; false when there was none. */
  dropView(db: string, name: string): boolean {
    const views = this.views.get(db);
    if (!views?.delete(name)) return false;
    if (views.size === 0) this.views.delete(db);
    return true;
  }

  private add(db: string, name: string, options: Doc): Collection {
    return this.adopt(new Collection(db, name, options));
  }

  /** Registers a collection built elsewhere (a transaction's new collection, `$out`'s result, a rename). */
  adopt(coll: Collection): Collection {
    let colls = this.dbs.get(coll.db);
    if (!colls) this.dbs.set(coll.db, (colls = new Map()));
    colls.set(coll.name, coll);
    return coll;
  }

  /** Removes a collection; returns it, or undefined when it did not exist. */
  drop(db: string, name: string): Collection | undefined {
    const colls = this.dbs.get(db);
    const coll = colls?.get(name);
    if (!coll) return undefined;
    colls!.delete(name);
    if (colls!.size === 0) this.dbs.delete(db);
    return coll;
  }

  databases(): string[] {
    return [...new Set([...this.dbs.keys(), ...this.views.keys()])];
  }

  /** Forgets every view of a database (dropDatabase). */
  dropViews(db: string): void {
    this.views.delete(db);
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }
}
