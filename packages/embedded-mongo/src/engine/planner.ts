/**
 * Query execution over one collection: `_id` lookups, index walks (see index-plan.ts) with early stop at
 * skip + limit, and collection scans, merged with a transaction's own writes; plus the explain tree MongoDB
 * would show for the plan used.
 */
import { isPlainObject } from './bson-types';
import type { Rec } from './btree-index';
import type { Collection } from './collection';
import { formatValue } from './format';
import { chooseIndex, ixscanStage, walkIndex, type QueryStats } from './index-plan';
import type { Matcher } from './matcher';
import { sortDocs, type SortKey } from './sort';
import type { Doc } from './types';
import { valueKey } from './value-key';

export type { QueryStats } from './index-plan';

/** A transaction's own writes in this collection: `_id` key → new version, or null when deleted. */
export type Overlay = Map<string, Doc | null>;

/** Sort, skip and limit of a query. */
export interface QueryOptions {
  sort?: SortKey[];
  skip?: number;
  /** 0 or undefined: no limit. */
  limit?: number;
}

/** Matching documents, the plan that found them and its cost. */
export interface QueryResult {
  /** Stored versions: never mutate; copy before handing out or keeping past the next write. */
  docs: Doc[];
  plan: Doc;
  stats: QueryStats;
}

function idLookup(filter: Doc): { ids: unknown[]; single: boolean } | undefined {
  if (!('_id' in filter)) return undefined;
  const v = filter._id;
  if (isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'))) {
    const keys = Object.keys(v);
    if (keys.length !== 1) return undefined;
    if (keys[0] === '$eq' && usableId(v.$eq)) return { ids: [v.$eq], single: true };
    if (keys[0] === '$in' && Array.isArray(v.$in) && v.$in.every(usableId))
      return { ids: v.$in, single: false };
    return undefined;
  }
  return usableId(v) ? { ids: [v], single: true } : undefined;
}

function usableId(v: unknown): boolean {
  return v !== null && v !== undefined && !(v instanceof RegExp) && !Array.isArray(v);
}

function wrap(stage: Doc, sort: SortKey[], sortInMemory: boolean, skip: number, limit: number): Doc {
  let s = stage;
  if (sortInMemory) {
    s = {
      stage: 'SORT',
      sortPattern: Object.fromEntries(sort.map((k) => [k.path, k.dir])),
      memLimit: 104857600,
      type: 'simple',
      inputStage: s,
    };
    if (limit > 0) s.limitAmount = skip + limit;
  }
  if (skip > 0) s = { stage: 'SKIP', skipAmount: skip, inputStage: s };
  if (limit > 0) s = { stage: 'LIMIT', limitAmount: limit, inputStage: s };
  return s;
}

/** Runs a query against committed state plus an optional transaction overlay. */
export function runQuery(
  coll: Collection | undefined,
  overlay: Overlay | undefined,
  m: Matcher,
  opts: QueryOptions = {},
): QueryResult {
  const sort = opts.sort ?? [];
  const skip = opts.skip ?? 0;
  const limit = opts.limit ?? 0;
  const want = limit > 0 ? skip + limit : Infinity;
  const stats: QueryStats = { keysExamined: 0, docsExamined: 0 };
  const out: Doc[] = [];
  const hasOverlay = !!overlay && overlay.size > 0;
  /** `merge`: which overlay documents the plan did not visit ('all' for index walks, 'new' for scans). */
  const finish = (plan: Doc, sorted: boolean, merge: 'all' | 'new' | 'none'): QueryResult => {
    let docs = out;
    let merged = false;
    if (hasOverlay && merge !== 'none')
      for (const [idk, doc] of overlay!)
        if (doc && (merge === 'all' || !coll?.recs.has(idk)) && m.test(doc)) {
          docs.push(doc);
          merged = true;
        }
    if (sort.length > 0 && (!sorted || merged)) docs = sortDocs(docs, sort, undefined, m.collation?.compare);
    docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
    return { docs, plan, stats };
  };
  const visible = (rec: Rec): Doc | undefined => {
    if (hasOverlay && overlay!.has(rec.idk)) return overlay!.get(rec.idk) ?? undefined;
    return rec.doc;
  };

  // Indexes hold keys in binary order: a query under a collation scans (MongoDB uses only indexes built
  // with the same collation, and this server builds none with one).
  const ids = m.collation ? undefined : idLookup(m.filter);
  if (ids) {
    const seen = new Set<string>();
    for (const id of ids.ids) {
      const idk = valueKey(id);
      if (seen.has(idk)) continue;
      seen.add(idk);
      stats.keysExamined++;
      const rec = coll?.recs.get(idk);
      const doc = rec ? visible(rec) : hasOverlay ? overlay!.get(idk) : undefined;
      if (!doc) continue;
      stats.docsExamined++;
      if (m.test(doc)) out.push(doc);
    }
    const stage = ids.single
      ? { stage: 'IDHACK' }
      : {
          stage: 'FETCH',
          inputStage: {
            stage: 'IXSCAN',
            keyPattern: { _id: 1 },
            indexName: '_id_',
            isMultiKey: false,
            isUnique: true,
            direction: 'forward',
            indexBounds: { _id: ids.ids.map((v) => `[${formatValue(v)}, ${formatValue(v)}]`) },
          },
        };
    return finish(wrap(stage, sort, sort.length > 0, skip, limit), false, 'none');
  }

  const plan = coll && !m.collation ? chooseIndex(coll, m.filter, sort) : undefined;
  if (plan) {
    // With an overlay, overridden records are skipped here and their new versions merged in `finish`.
    walkIndex(plan, stats, (rec) => {
      if (hasOverlay && overlay!.has(rec.idk)) return true;
      stats.docsExamined++;
      if (m.test(rec.doc)) out.push(rec.doc);
      return !(plan.providesSort && out.length >= want);
    });
    const fetch: Doc = { stage: 'FETCH', inputStage: ixscanStage(plan) };
    if (!m.matchAll) fetch.filter = m.filter;
    return finish(
      wrap(fetch, sort, !plan.providesSort && sort.length > 0, skip, limit),
      plan.providesSort,
      'all',
    );
  }

  if (coll) {
    const early = sort.length === 0;
    for (const rec of coll.recs.values()) {
      const doc = visible(rec);
      if (!doc) continue;
      stats.docsExamined++;
      if (m.test(doc)) {
        out.push(doc);
        if (early && out.length >= want) break;
      }
    }
  }
  const scan: Doc = { stage: 'COLLSCAN', direction: 'forward' };
  if (!m.matchAll) scan.filter = m.filter;
  return finish(wrap(scan, sort, sort.length > 0, skip, limit), false, 'new');
}
