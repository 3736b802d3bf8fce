/**
 * Databases and their collections. Collections come into being implicitly on a first write, or by `create`.
 */
import { mongoError } from '../errors';
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

/** The databases and collections of one engine. */
export class Catalog {
  private readonly dbs = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** The collection, created (without options) when missing. */
  ensure(db: string, name: string): Collection {
    const existing = this.get(db, name);
    if (existing) return existing;
    checkNamespace(db, name);
    return this.add(db, name, {});
  }

  /** `create`: NamespaceExists (48) when it exists. */
  create(db: string, name: string, options: Doc): Collection {
    checkNamespace(db, name);
    if (this.get(db, name)) throw mongoError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    return this.add(db, name, options);
  }

  private add(db: string, name: string, options: Doc): Collection {
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    const coll = new Collection(db, name, options);
    colls.set(name, coll);
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
    return [...this.dbs.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }
}
