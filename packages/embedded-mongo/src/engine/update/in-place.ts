/**
 * In-place updates of large sub-documents. Copy-on-write copies every document on a changed path, so adding
 * one key to a map of 10,000 buyers copied the map: an update cost the size of the document. The store knows
 * which sub-documents only its current version holds (no oplog entry, snapshot, transaction or index key
 * shares them); an update may change those in place, logging each field's first old value here. The log
 * undoes the update when it fails (before or after the store's checks) and tells the size count the old values.
 */
import { setField } from '../clone';
import type { Doc } from '../types';

/** Which containers of the stored version an update may change in place (given by the store). */
export interface InPlaceRules {
  /** Whether `container`, the plain sub-document at dotted `path` of the stored version, may change in place. */
  mayChange(container: object, path: string): boolean;
}

interface Entry {
  c: Doc;
  key: string;
  had: boolean;
  old: unknown;
}

/** First old values of the fields an update changed in place. */
export class UndoLog {
  private readonly entries: Entry[] = [];
  private readonly byContainer = new Map<Doc, Map<string, Entry>>();

  /** Records `c[key]` before its first change by this update. */
  record(c: Doc, key: string): void {
    let fields = this.byContainer.get(c);
    if (!fields) this.byContainer.set(c, (fields = new Map()));
    if (fields.has(key)) return;
    const had = Object.prototype.hasOwnProperty.call(c, key);
    const entry: Entry = { c, key, had, old: had ? c[key] : undefined };
    fields.set(key, entry);
    this.entries.push(entry);
  }

  /** What `c[key]` was before the update, when the update changed it in place; undefined otherwise. */
  before(c: object, key: string): { had: boolean; old: unknown } | undefined {
    return this.byContainer.get(c as Doc)?.get(key);
  }

  /**
   * Restores every logged field, newest first. Fields are only ever added or reassigned in place (never
   * deleted), so deleting the added ones restores the field order too.
   */
  undo(): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { c, key, had, old } = this.entries[i];
      if (had) setField(c, key, old);
      else delete c[key];
    }
    this.entries.length = 0;
    this.byContainer.clear();
  }
}
