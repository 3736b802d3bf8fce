/**
 * Aggregation pipelines: a leading `$match` (with a following `$sort` / `$limit`) is answered by the query
 * planner, so it can use an index; the remaining stages run in mingo over copies, with the BSON-aware
 * context and `$lookup` / `$unionWith` resolving collections through the caller.
 */
import { Aggregator } from 'mingo/aggregator';
import { MongoError, mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import type { Collation } from './collation';
import { deepCopy } from './clone';
import type { CollView } from './coll-view';
import { asMongoError, compileFilter } from './matcher';
import { mingoOptions } from './mingo-context';
import type { QueryResult } from './planner';
import { parseSort, type SortKey } from './sort';
import type { Doc } from './types';

/** How a pipeline reaches variables and other collections. */
export interface PipelineOptions {
  /** `let` variables, evaluated (see `evaluateLet`). */
  variables?: Doc;
  /** The command's collation: strings compare under it in `$match`, `$sort` and expressions. */
  collation?: Collation;
  /** Documents of another collection of the same database (committed state plus the transaction's writes). */
  resolve: (collection: string) => Doc[];
}

/** A pipeline's output and how its first stages were answered. */
export interface PipelineResult {
  docs: Doc[];
  /** The query that fed the pipeline (for explain). */
  query?: QueryResult;
  /** Stages after the part the query answered. */
  rest: Doc[];
}

function stageName(stage: unknown): string | undefined {
  return isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
}

function idFirst(doc: unknown): unknown {
  if (!isPlainObject(doc) || !('_id' in doc) || Object.keys(doc)[0] === '_id') return doc;
  const out: Doc = { _id: doc._id };
  for (const k of Object.keys(doc)) if (k !== '_id') out[k] = doc[k];
  return out;
}

/** Runs the leading `$match` / `$sort` / `$limit` through the planner; returns the unanswered stages. */
export function pushDown(
  view: CollView,
  pipeline: Doc[],
  opts: Pick<PipelineOptions, 'variables' | 'collation'> = {},
): { query: QueryResult; rest: Doc[] } {
  let i = 0;
  let filter: unknown = {};
  let sort: SortKey[] = [];
  let limit = 0;
  if (stageName(pipeline[0]) === '$match') {
    filter = pipeline[0].$match;
    i = 1;
  }
  if (stageName(pipeline[i]) === '$sort') {
    sort = parseSort(pipeline[i].$sort);
    i++;
  }
  if (stageName(pipeline[i]) === '$limit') {
    limit = Number(pipeline[i].$limit);
    if (!Number.isInteger(limit) || limit <= 0) throw mongoError('BadValue', 'the limit must be positive');
    i++;
  }
  const query = view.query(compileFilter(filter, opts), { sort, limit });
  return { query, rest: pipeline.slice(i) };
}

function isConstant(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  if (isPlainObject(v)) return Object.entries(v).every(([k, x]) => !k.startsWith('$') && isConstant(x));
  return !Array.isArray(v);
}

/**
 * `[$skip?, $limit?, {$group: {_id: <constant>, n: {$sum: 1}}}]` (what countDocuments sends) counted without
 * copying every document through mingo; undefined for any other pipeline.
 */
function countShortcut(rest: Doc[], total: number): Doc[] | undefined {
  let i = 0;
  let n = total;
  if (stageName(rest[i]) === '$skip') n = Math.max(0, n - Number(rest[i++].$skip));
  if (stageName(rest[i]) === '$limit') n = Math.min(n, Number(rest[i++].$limit));
  if (i !== rest.length - 1 || stageName(rest[i]) !== '$group' || !Number.isFinite(n)) return undefined;
  const group = rest[i].$group;
  const fields = Object.keys(group ?? {}).filter((k) => k !== '_id');
  if (!isPlainObject(group) || !isConstant(group._id) || fields.length !== 1) return undefined;
  const acc = group[fields[0]];
  if (!isPlainObject(acc) || Object.keys(acc).length !== 1 || acc.$sum !== 1) return undefined;
  return n > 0 ? [{ _id: deepCopy(group._id), [fields[0]]: n }] : [];
}

/** Runs a pipeline over a collection (or, with no view, over nothing: `$documents` pipelines). */
export function runPipeline(
  view: CollView | undefined,
  pipeline: Doc[],
  opts: PipelineOptions,
): PipelineResult {
  if (!Array.isArray(pipeline))
    throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  for (const stage of pipeline) {
    const name = stageName(stage);
    if (!name || Object.keys(stage).length !== 1)
      throw mongoError('BadValue', 'A pipeline stage specification object must contain exactly one field.');
    // The aggregate command takes a final $out / $merge off before running the rest.
    if (name === '$out' || name === '$merge')
      throw new MongoError(40601, 'Location40601', `${name} can only be the final stage in the pipeline`);
    if (name === '$changeStream')
      throw mongoError('BadValue', '$changeStream is only valid as the first stage in a pipeline');
  }
  let input: Doc[] = [];
  let query: QueryResult | undefined;
  let rest = pipeline;
  if (view) {
    const pushed = pushDown(view, pipeline, opts);
    query = pushed.query;
    input = query.docs;
    rest = pushed.rest;
  }
  if (rest.length === 0) return { docs: input.map(deepCopy), query, rest };
  const counted = countShortcut(rest, input.length);
  if (counted) return { docs: counted, query, rest };
  try {
    const agg = new Aggregator(
      rest,
      mingoOptions({
        collectionResolver: (name: string) => opts.resolve(name),
        ...(opts.variables ? { variables: opts.variables } : {}),
        ...(opts.collation ? { collation: opts.collation.spec as never } : {}),
      }),
    );
    const docs = agg.run(input).map(idFirst) as Doc[];
    return { docs, query, rest };
  } catch (e) {
    throw asMongoError(e);
  }
}
