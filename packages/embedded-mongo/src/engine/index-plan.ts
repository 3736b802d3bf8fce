/**
 * Index plans: which index answers a filter and sort (equality prefix, optional range on the next field, sort
 * order provided forwards or backwards), walking it, and its IXSCAN stage for explain.
 */
import { Rank, isPlainObject, typeRank } from './bson-types';
import { HIGH, LOW, SecondaryIndex, type IndexKey, type Rec } from './btree-index';
import { bsonCompare } from './compare';
import type { Collection } from './collection';
import { formatValue } from './format';
import type { SortKey } from './sort';
import type { Doc } from './types';

/** Work done, as explain's executionStats reports it. */
export interface QueryStats {
  keysExamined: number;
  docsExamined: number;
}

interface Range {
  lo?: unknown;
  loIncl: boolean;
  hi?: unknown;
  hiIncl: boolean;
  rank: number;
}

interface FieldPreds {
  eq?: { v: unknown };
  range?: Range;
}

/** A chosen index and how to walk it. */
export interface IndexPlan {
  index: SecondaryIndex;
  eq: unknown[];
  range?: Range;
  direction: 1 | -1;
  providesSort: boolean;
}

const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte']);

function usableOperand(v: unknown): boolean {
  if (v instanceof RegExp || Array.isArray(v)) return false;
  const r = typeRank(v);
  return r !== Rank.Null && r !== Rank.MinKey && r !== Rank.MaxKey && r !== Rank.Regex;
}

function addPred(preds: Map<string, FieldPreds>, field: string, cond: unknown): void {
  const p = preds.get(field) ?? {};
  preds.set(field, p);
  const opObject = isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'));
  if (!opObject) {
    if (!(cond instanceof RegExp) && !Array.isArray(cond)) p.eq ??= { v: cond };
    return;
  }
  const c = cond as Doc;
  if ('$eq' in c && !(c.$eq instanceof RegExp) && !Array.isArray(c.$eq)) p.eq ??= { v: c.$eq };
  for (const op of Object.keys(c)) {
    if (!RANGE_OPS.has(op) || !usableOperand(c[op])) continue;
    const rank = typeRank(c[op]);
    const r = (p.range ??= { loIncl: true, hiIncl: true, rank });
    if (r.rank !== rank) continue;
    if (op === '$gt' || op === '$gte') {
      if (r.lo === undefined || bsonCompare(c[op], r.lo) > 0) {
        r.lo = c[op];
        r.loIncl = op === '$gte';
      }
    } else if (r.hi === undefined || bsonCompare(c[op], r.hi) < 0) {
      r.hi = c[op];
      r.hiIncl = op === '$lte';
    }
  }
}

/** Per-field equality and range predicates of the filter's top level (and top-level `$and`). */
function analyse(filter: Doc, preds = new Map<string, FieldPreds>()): Map<string, FieldPreds> {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainObject(sub)) analyse(sub, preds);
    } else if (!k.startsWith('$')) addPred(preds, k, v);
  }
  return preds;
}

function planFor(
  index: SecondaryIndex,
  preds: Map<string, FieldPreds>,
  sort: SortKey[],
): { plan: IndexPlan; score: number } | undefined {
  if (index.spec.partialFilterExpression) return undefined;
  const fields = index.fields;
  const eq: unknown[] = [];
  while (eq.length < fields.length && preds.get(fields[eq.length])?.eq)
    eq.push(preds.get(fields[eq.length])!.eq!.v);
  const p = eq.length;
  const range = index.multikey || p >= fields.length ? undefined : preds.get(fields[p])?.range;
  if (index.spec.sparse) {
    const selective = fields.some((f) => {
      const pr = preds.get(f);
      return (pr?.eq && pr.eq.v !== null && pr.eq.v !== undefined) || pr?.range;
    });
    if (!selective) return undefined;
  }
  if (index.multikey && eq.some((v) => v === null)) return undefined;
  let providesSort = false;
  let direction: 1 | -1 = 1;
  if (!index.multikey) {
    const eqFields = new Set(fields.slice(0, p));
    const rest = sort.filter((k) => !eqFields.has(k.path));
    if (rest.length === 0) providesSort = true;
    else if (rest.length <= fields.length - p) {
      const s = (rest[0].dir * index.dirs[p]) as 1 | -1;
      providesSort = rest.every((k, j) => k.path === fields[p + j] && k.dir * index.dirs[p + j] === s);
      if (providesSort) direction = s;
    }
  }
  const sortUseful = providesSort && sort.length > 0;
  if (p === 0 && !range && !sortUseful) return undefined;
  let score = p * 4 + (range ? 2 : 0) + (sortUseful ? 3 : 0);
  if (index.unique && p === fields.length) score += 10;
  return { plan: { index, eq, range, direction, providesSort }, score };
}

/** The best index plan for the filter and sort, or undefined for a collection scan. */
export function chooseIndex(coll: Collection, filter: Doc, sort: SortKey[]): IndexPlan | undefined {
  const preds = analyse(filter);
  let best: { plan: IndexPlan; score: number } | undefined;
  for (const ix of coll.indexes.values()) {
    const c = planFor(ix, preds, sort);
    if (
      c &&
      (!best ||
        c.score > best.score ||
        (c.score === best.score && ix.fields.length < best.plan.index.fields.length))
    )
      best = c;
  }
  return best?.plan;
}

/** `_id` values the filter pins down (`{_id: v}`, `{_id: {$eq: v}}`, `{_id: {$in: [...]}}`), else undefined. */
function pad(key: IndexKey, n: number, fill: unknown): IndexKey {
  while (key.length <= n) key.push(fill);
  return key;
}

function startKey(plan: IndexPlan): IndexKey {
  const n = plan.index.fields.length;
  const key: IndexKey = [...plan.eq];
  const fwd = plan.direction === 1;
  const r = plan.range;
  if (r) {
    // The walk starts at the low value when the field's index order, walked this way, ascends.
    const ascending = plan.index.dirs[plan.eq.length] * plan.direction === 1;
    const v = ascending ? r.lo : r.hi;
    const incl = ascending ? r.loIncl : r.hiIncl;
    if (v !== undefined) {
      key.push(v);
      return pad(key, n, fwd === incl ? LOW : HIGH);
    }
  }
  return pad(key, n, fwd ? LOW : HIGH);
}

/** -1 below the range, 0 inside, 1 above (in value order). */
function rangeRelation(v: unknown, r: Range): number {
  const rank = typeRank(v);
  if (rank !== r.rank) return rank < r.rank ? -1 : 1;
  if (r.lo !== undefined) {
    const c = bsonCompare(v, r.lo);
    if (c < 0 || (c === 0 && !r.loIncl)) return -1;
  }
  if (r.hi !== undefined) {
    const c = bsonCompare(v, r.hi);
    if (c > 0 || (c === 0 && !r.hiIncl)) return 1;
  }
  return 0;
}

/** Walks the index plan, calling `visit` per candidate record until it returns false. */
export function walkIndex(plan: IndexPlan, stats: QueryStats, visit: (rec: Rec) => boolean): void {
  const { index, eq, range } = plan;
  const p = eq.length;
  const valueDir = range ? index.dirs[p] * plan.direction : 1;
  const seen = index.multikey ? new Set<number>() : undefined;
  const start = startKey(plan);
  const it = plan.direction === 1 ? index.tree.entries(start) : index.tree.entriesReversed(start);
  for (const [key, rec] of it) {
    stats.keysExamined++;
    if (p > 0 && !index.samePrefix(key, eq)) break;
    if (range) {
      const rel = rangeRelation(key[p], range);
      if (rel !== 0) {
        if (rel === valueDir) break;
        continue;
      }
    }
    if (seen) {
      if (seen.has(rec.rid)) continue;
      seen.add(rec.rid);
    }
    if (!visit(rec)) break;
  }
}

function boundsOf(plan: IndexPlan): Doc {
  const out: Doc = {};
  plan.index.fields.forEach((f, i) => {
    if (i < plan.eq.length) out[f] = [`[${formatValue(plan.eq[i])}, ${formatValue(plan.eq[i])}]`];
    else if (i === plan.eq.length && plan.range) {
      const r = plan.range;
      out[f] = [
        `${r.loIncl && r.lo !== undefined ? '[' : '('}${r.lo === undefined ? '-inf' : formatValue(r.lo)}, ${r.hi === undefined ? 'inf' : formatValue(r.hi)}${r.hiIncl && r.hi !== undefined ? ']' : ')'}`,
      ];
    } else out[f] = ['[MinKey, MaxKey]'];
  });
  return out;
}

/** The IXSCAN stage of explain. */
export function ixscanStage(plan: IndexPlan): Doc {
  const ix = plan.index;
  return {
    stage: 'IXSCAN',
    keyPattern: { ...ix.spec.key },
    indexName: ix.name,
    isMultiKey: ix.multikey,
    multiKeyPaths: Object.fromEntries(ix.fields.map((f) => [f, ix.multikey ? [f] : []])),
    isUnique: ix.unique,
    isSparse: !!ix.spec.sparse,
    isPartial: !!ix.spec.partialFilterExpression,
    indexVersion: 2,
    direction: plan.direction === 1 ? 'forward' : 'backward',
    indexBounds: boundsOf(plan),
  };
}
