/**
 * Reads of views (`create` with `viewOn` and `pipeline`): a view is its pipeline run over the collection (or
 * view) it is defined on, at read time. find, count, distinct and aggregate on a view become one pipeline over
 * the underlying collection; writes and indexes on a view get CommandNotSupportedOnView (166).
 */
import { MongoError } from '../errors';
import { runPipeline, type PipelineOptions } from '../engine/aggregate';
import { notOnView } from '../engine/catalog';
import { deepCopy } from '../engine/clone';
import type { Doc } from '../engine/types';
import type { CommandContext } from './data-commands';

/** MongoDB's limit on views defined on views. */
const MAX_VIEW_DEPTH = 20;

/** What a view resolves to: the collection underneath and the stages that compute the view from it. */
export interface ResolvedView {
  source: string;
  pipeline: Doc[];
}

/** The collection under `name` and the stages from it to the view; undefined when `name` is not a view. */
export function resolveView(ctx: CommandContext, name: string): ResolvedView | undefined {
  let def = ctx.engine.catalog.view(ctx.db, name);
  if (!def) return undefined;
  const stages: Doc[][] = [];
  for (let depth = 0; def; depth++) {
    if (depth >= MAX_VIEW_DEPTH)
      throw new MongoError(
        155,
        'ViewDepthLimitExceeded',
        `View depth too deep or view cycle detected; maximum depth is ${MAX_VIEW_DEPTH}`,
      );
    stages.unshift(def.pipeline);
    name = def.viewOn;
    def = ctx.engine.catalog.view(ctx.db, name);
  }
  return { source: name, pipeline: stages.flat() };
}

/** Refuses a write (or an index) on a view with code 166. */
export function refuseView(ctx: CommandContext, name: string): void {
  if (ctx.engine.catalog.view(ctx.db, name)) throw notOnView(ctx.db, name);
}

/** The stages a find (or count) over a view adds after the view's own. */
export function findStages(opts: {
  filter?: Doc;
  sort?: Doc;
  skip?: number;
  limit?: number;
  projection?: Doc;
}): Doc[] {
  const out: Doc[] = [];
  if (opts.filter && Object.keys(opts.filter).length > 0) out.push({ $match: opts.filter });
  if (opts.sort && Object.keys(opts.sort).length > 0) out.push({ $sort: opts.sort });
  if (opts.skip) out.push({ $skip: opts.skip });
  if (opts.limit) out.push({ $limit: opts.limit });
  if (opts.projection && Object.keys(opts.projection).length > 0) out.push({ $project: opts.projection });
  return out;
}

/** Runs `stages` over a resolved view (its pipeline first, over the collection underneath). */
export function runOnView(
  ctx: CommandContext,
  view: ResolvedView,
  stages: Doc[],
  opts: Omit<PipelineOptions, 'resolve'> = {},
): Doc[] {
  const source = ctx.engine.view(ctx.db, view.source, ctx.txn);
  return runPipeline(source, [...view.pipeline, ...stages], { ...opts, resolve: resolver(ctx) }).docs;
}

/**
 * How `$lookup` / `$unionWith` read another collection of the database: copies (mingo's `$lookup` embeds the
 * joined documents as they are), and views computed.
 */
export function resolver(ctx: CommandContext): (name: string) => Doc[] {
  return (name) => {
    const view = resolveView(ctx, name);
    if (view) return runOnView(ctx, view, []);
    return ctx.engine.view(ctx.db, name, ctx.txn).docs().map(deepCopy);
  };
}
