/**
 * The mingo operator Context the engine runs every query, projection and pipeline with: mingo's operators,
 * with the comparison operators, `$sort` and a few type-sensitive expressions replaced by BSON-aware ones.
 */
import { ObjectId } from 'bson';
import { Context, ProcessingMode, evalExpr } from 'mingo/core';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as queryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import { Lazy } from 'mingo/lazy';
import type { Iterator } from 'mingo/lazy';
import type { ExpressionOperator, Options, PipelineOperator } from 'mingo/types';
import { bsonTag, bsonTypeName } from './bson-types';
import { bsonCompare } from './compare';
import { bsonQueryOps } from './query-ops';
import { parseSort, sortDocs } from './sort';
import type { Doc } from './types';

function compareExpr(test: (c: number) => unknown): ExpressionOperator {
  return ((obj: unknown, expr: unknown, options: Options) => {
    const args = evalExpr(obj, expr, options) as unknown[];
    if (!Array.isArray(args) || args.length !== 2) throw new Error('comparison expression expects 2 arguments');
    return test(bsonCompare(args[0], args[1]));
  }) as unknown as ExpressionOperator;
}

function unary(f: (v: unknown) => unknown): ExpressionOperator {
  return ((obj: unknown, expr: unknown, options: Options) => {
    let v = evalExpr(obj, expr, options);
    if (Array.isArray(expr) && expr.length === 1 && Array.isArray(v)) v = v[0];
    return f(v);
  }) as unknown as ExpressionOperator;
}

const toStringOp = expressionOps.$toString as unknown as (o: unknown, e: unknown, opts: Options) => unknown;

const expressionOverrides: Record<string, ExpressionOperator> = {
  $cmp: compareExpr((c) => Math.sign(c)),
  $eq: compareExpr((c) => c === 0),
  $ne: compareExpr((c) => c !== 0),
  $gt: compareExpr((c) => c > 0),
  $gte: compareExpr((c) => c >= 0),
  $lt: compareExpr((c) => c < 0),
  $lte: compareExpr((c) => c <= 0),
  $type: unary((v) => bsonTypeName(v)),
  $toObjectId: unary((v) => (v === null || v === undefined ? null : bsonTag(v) === 'ObjectId' ? v : new ObjectId(String(v)))),
  $toString: ((obj: unknown, expr: unknown, options: Options) => {
    const v = evalExpr(obj, Array.isArray(expr) && expr.length === 1 ? expr[0] : expr, options);
    const tag = bsonTag(v);
    if (tag === 'ObjectId' || tag === 'Long' || tag === 'Decimal128') return String(v);
    return toStringOp(obj, expr, options);
  }) as unknown as ExpressionOperator,
};

const sortStage = ((coll: Iterator, spec: unknown) => {
  const keys = parseSort(spec);
  return coll.transform((docs: Doc[]) => Lazy(sortDocs(docs, keys)));
}) as unknown as PipelineOperator;

/** The engine's operator context (built once). */
export const bsonContext: Context = Context.init({
  query: { ...(queryOps as any), ...bsonQueryOps },
  projection: { ...(projectionOps as any) },
  expression: { ...(expressionOps as any), ...expressionOverrides },
  pipeline: { ...(pipelineOps as any), $sort: sortStage },
  accumulator: { ...(accumulatorOps as any) },
  window: { ...(windowOps as any) },
});

/** Base mingo options: our context, inputs never mutated. */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { context: bsonContext, processingMode: ProcessingMode.CLONE_INPUT, useStrictMode: true, ...extra };
}
