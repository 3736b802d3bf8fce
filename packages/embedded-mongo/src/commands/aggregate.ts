/**
 * aggregate and explain (of find, aggregate, count, distinct).
 */
import { mongoError } from '../errors';
import { isPlainObject } from '../engine/bson-types';
import { pushDown, runPipeline } from '../engine/aggregate';
import type { CollView } from '../engine';
import { evaluateLet } from '../engine/let-variables';
import { checkHint, hintedOrder } from '../engine/hint';
import { compileFilter } from '../engine/matcher';
import type { QueryResult } from '../engine/planner';
import { parseSort } from '../engine/sort';
import type { Doc } from '../engine/types';
import { checkOutput, splitOutput, writeOutput } from './aggregate-output';
import { resolveView, resolver, runOnView } from './views';
import { optionalDoc } from './command-args';
import { commandCollation } from './default-collation';
import { skipLimit } from './crud-read';
import type { CommandContext, CommandResult } from './data-commands';

function target(ctx: CommandContext, cmd: Doc): { view?: CollView; ns: string } {
  const name = cmd.aggregate;
  if (name === 1 || name === 1.0) return { ns: `${ctx.db}.$cmd.aggregate` };
  if (typeof name !== 'string' || name === '')
    throw mongoError('InvalidNamespace', 'aggregate must name a collection or be 1');
  return { view: ctx.engine.view(ctx.db, name, ctx.txn), ns: `${ctx.db}.${name}` };
}

/** `aggregate` (every pipeline except `$changeStream`, which the server layer handles). */
export function aggregate(ctx: CommandContext, cmd: Doc): CommandResult {
  if (!Array.isArray(cmd.pipeline))
    throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  if (cmd.explain === true) return explainAggregate(ctx, cmd, 'queryPlanner');
  if (cmd.cursor === undefined && cmd.explain === undefined)
    throw mongoError(
      'FailedToParse',
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  const { view, ns } = target(ctx, cmd);
  checkHint(view?.coll, cmd.hint);
  const variables = evaluateLet(cmd.let);
  const { output, rest } = splitOutput(cmd.pipeline);
  if (output) checkOutput(ctx, cmd, output);
  const opts = { variables, collation: commandCollation(ctx, cmd.aggregate, cmd.collation) };
  const onView = typeof cmd.aggregate === 'string' ? resolveView(ctx, cmd.aggregate) : undefined;
  const docs = onView
    ? runOnView(ctx, onView, rest, opts)
    : runPipeline(view, inHintedOrder(rest, hintedOrder(view?.coll, cmd.hint)), {
        ...opts,
        resolve: resolver(ctx),
      }).docs;
  if (!output) return { cursor: { ns, docs } };
  writeOutput(ctx, output, docs, variables);
  return { cursor: { ns, docs: [] } };
}

/**
 * A hinted aggregation reads the collection through that index, so its documents reach the first stage that is
 * not a `$match` in index order: a `$sort` on the index's keys goes there, unless the pipeline sorts first itself.
 */
function inHintedOrder(pipeline: Doc[], order: Record<string, 1 | -1> | undefined): Doc[] {
  if (!order) return pipeline;
  let at = 0;
  while (at < pipeline.length && isPlainObject(pipeline[at]) && '$match' in pipeline[at]) at++;
  if (at < pipeline.length && isPlainObject(pipeline[at]) && '$sort' in pipeline[at]) return pipeline;
  return [...pipeline.slice(0, at), { $sort: order }, ...pipeline.slice(at)];
}

function queryPlanner(ns: string, filter: Doc, q: QueryResult): Doc {
  return {
    namespace: ns,
    indexFilterSet: false,
    parsedQuery: filter,
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: q.plan,
    rejectedPlans: [],
  };
}

function executionStats(q: QueryResult, nReturned: number, millis: number): Doc {
  return {
    executionSuccess: true,
    nReturned,
    executionTimeMillis: millis,
    totalKeysExamined: q.stats.keysExamined,
    totalDocsExamined: q.stats.docsExamined,
    executionStages: {
      ...q.plan,
      nReturned,
      keysExamined: q.stats.keysExamined,
      docsExamined: q.stats.docsExamined,
    },
  };
}

function explainReply(
  ns: string,
  filter: Doc,
  q: QueryResult,
  verbosity: string,
  inner: Doc,
  millis: number,
  extra: Doc = {},
): CommandResult {
  const reply: Doc = { explainVersion: '1', queryPlanner: queryPlanner(ns, filter, q) };
  if (verbosity !== 'queryPlanner') reply.executionStats = executionStats(q, q.docs.length, millis);
  Object.assign(reply, extra);
  reply.command = inner;
  reply.serverInfo = { host: 'embedded', port: 0, version: '7.0.0', gitVersion: 'embedded' };
  reply.ok = 1;
  return { reply };
}

function explainAggregate(ctx: CommandContext, cmd: Doc, verbosity: string): CommandResult {
  const { view, ns } = target(ctx, cmd);
  if (!view)
    throw mongoError('CommandNotSupported', 'explain of a collection-less aggregate is not supported');
  const started = Date.now();
  const { query, rest } = pushDown(view, cmd.pipeline);
  const first = cmd.pipeline[0];
  const filter = isPlainObject(first) && isPlainObject(first.$match) ? first.$match : {};
  const extra: Doc = {};
  if (rest.length > 0) {
    extra.stages = [{ $cursor: { queryPlanner: queryPlanner(ns, filter, query) } }, ...rest];
  }
  return explainReply(ns, filter, query, verbosity, cmd, Date.now() - started, extra);
}

/** `explain`: the plan the query planner chooses (executionStats when asked). */
export function explain(ctx: CommandContext, cmd: Doc): CommandResult {
  const inner = cmd.explain;
  if (!isPlainObject(inner)) throw mongoError('TypeMismatch', 'explain command requires a nested object');
  const verbosity = typeof cmd.verbosity === 'string' ? cmd.verbosity : 'allPlansExecution';
  const kind = Object.keys(inner)[0];
  if (kind === 'aggregate') {
    if (!Array.isArray(inner.pipeline))
      throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
    return explainAggregate(ctx, inner, verbosity);
  }
  const name = inner[kind];
  if (typeof name !== 'string')
    throw mongoError('InvalidNamespace', 'explain: collection name must be a string');
  const view = ctx.engine.view(ctx.db, name, ctx.txn);
  const ns = `${ctx.db}.${name}`;
  const started = Date.now();
  if (kind === 'find') {
    const filter = optionalDoc(inner, 'filter') ?? {};
    const { skip, limit } = skipLimit(inner);
    const q = view.query(compileFilter(filter), { sort: parseSort(optionalDoc(inner, 'sort')), skip, limit });
    return explainReply(ns, filter, q, verbosity, inner, Date.now() - started);
  }
  if (kind === 'count' || kind === 'distinct') {
    const filter = optionalDoc(inner, 'query') ?? {};
    const q = view.query(compileFilter(filter));
    return explainReply(ns, filter, q, verbosity, inner, Date.now() - started);
  }
  throw mongoError('CommandNotSupported', `explain of ${kind} is not supported by the embedded server`);
}
