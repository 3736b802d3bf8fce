/**
 * The mingo operator Context the engine runs every query, projection and pipeline with: mingo's operators,
 * with the comparison operators, `$sort` and a few type-sensitive expressions replaced by BSON-aware ones.
 */
import { Decimal128, ObjectId } from 'bson';
import { Context, ProcessingMode, evalExpr } from 'mingo/core';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as queryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import { Lazy } from 'mingo/lazy';
import type { Iterator } from 'mingo/lazy';
import type { AccumulatorOperator, ExpressionOperator, Options, PipelineOperator } from 'mingo/types';
import { bsonTag, bsonTypeName, isNumeric, isPlainObject } from './bson-types';
import { addNumbers, asDouble, multiplyNumbers, toDouble } from './numbers';
import { bsonCompare } from './compare';
import { bsonQueryOps, collationCompare } from './query-ops';
import { parseSort, sortDocs } from './sort';
import { plainNumber, typedExpressionOps } from './typed-expressions';
import { valueKey } from './value-key';
import type { Doc } from './types';

function compareExpr(test: (c: number) => unknown): ExpressionOperator {
  return ((obj: unknown, expr: unknown, options: Options) => {
    const args = evalExpr(obj, expr, options) as unknown[];
    if (!Array.isArray(args) || args.length !== 2)
      throw new Error('comparison expression expects 2 arguments');
    return test((collationCompare(options) ?? bsonCompare)(args[0], args[1]));
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
  // By value in MongoDB's order (5 is in [Long(5)]), under the query's collation if any.
  $in: ((obj: unknown, expr: unknown, options: Options) => {
    const args = evalExpr(obj, expr, options) as unknown[];
    if (!Array.isArray(args) || args.length !== 2)
      throw new Error('Expression $in takes exactly 2 arguments');
    if (!Array.isArray(args[1])) throw new Error('$in requires an array as a second argument');
    const cmp = collationCompare(options) ?? bsonCompare;
    return args[1].some((x) => cmp(x, args[0]) === 0);
  }) as unknown as ExpressionOperator,
  $toObjectId: unary((v) =>
    v === null || v === undefined ? null : bsonTag(v) === 'ObjectId' ? v : new ObjectId(String(v)),
  ),
  $toString: ((obj: unknown, expr: unknown, options: Options) => {
    const v = evalExpr(obj, Array.isArray(expr) && expr.length === 1 ? expr[0] : expr, options);
    const tag = bsonTag(v);
    if (tag === 'ObjectId' || tag === 'Long' || tag === 'Decimal128') return String(v);
    if (tag === 'Double' || tag === 'Int32') return String((v as { value: number }).value);
    return toStringOp(obj, expr, options);
  }) as unknown as ExpressionOperator,
};

const pushValues = accumulatorOps.$push as unknown as (
  coll: unknown[],
  expr: unknown,
  options: Options,
) => unknown[];

function accumulator(f: (values: unknown[], coll: unknown[], expr: unknown) => unknown): AccumulatorOperator {
  return ((coll: unknown[], expr: unknown, options: Options) =>
    f(pushValues(coll, expr, options), coll, expr)) as unknown as AccumulatorOperator;
}

function extreme(sign: 1 | -1) {
  return accumulator((values) => {
    let best: unknown = null;
    for (const v of values)
      if (v !== null && v !== undefined && (best === null || bsonCompare(v, best) * sign > 0)) best = v;
    return best;
  });
}

/** Accumulators that keep BSON numeric types (Long, Decimal128) and compare in BSON order. */
const accumulatorOverrides: Record<string, AccumulatorOperator> = {
  $sum: ((coll: unknown[], expr: unknown, options: Options) => {
    if (isNumeric(expr)) return multiplyNumbers(coll.length, expr);
    let total: unknown = 0;
    for (const v of pushValues(coll, expr, options)) if (isNumeric(v)) total = addNumbers(total, v);
    return total;
  }) as unknown as AccumulatorOperator,
  $avg: accumulator((values) => {
    const nums = values.filter(isNumeric);
    if (nums.length === 0) return null;
    const total = nums.reduce((a: unknown, b) => addNumbers(a, b), 0);
    return bsonTag(total) === 'Decimal128'
      ? Decimal128.fromString(String(toDouble(total) / nums.length))
      : asDouble(toDouble(total) / nums.length);
  }),
  $max: extreme(1),
  $min: extreme(-1),
};

const sortStage = ((coll: Iterator, spec: unknown, options: Options) => {
  const keys = parseSort(spec);
  const cmp = collationCompare(options);
  return coll.transform((docs: Doc[]) => Lazy(sortDocs(docs, keys, undefined, cmp)));
}) as unknown as PipelineOperator;

const mingoGroup = pipelineOps.$group as unknown as (
  coll: Iterator,
  expr: unknown,
  options: Options,
) => Iterator;

/** True for a number of any type, or a document or array holding one (a group key that needs `$_byValue`). */
function holdsNumber(v: unknown): boolean {
  if (typeof v === 'number' || isNumeric(v)) return true;
  if (Array.isArray(v)) return v.some(holdsNumber);
  return isPlainObject(v) && Object.values(v).some(holdsNumber);
}

/**
 * `$group` keys equal by value are one group, as MongoDB's (`5`, `Long(5)` and `Double(5)`; mingo tells
 * their classes apart): each key that holds a number is replaced by the first key of equal value the stage
 * saw, so the group's `_id` keeps that key's type.
 */
const groupStage = ((coll: Iterator, expr: unknown, options: Options) => {
  if (!isPlainObject(expr) || !('_id' in expr)) return mingoGroup(coll, expr, options);
  const seen = new Map<string, unknown>();
  return mingoGroup(coll, { ...expr, _id: { $_byValue: [expr._id, { $literal: seen }] } }, options);
}) as unknown as PipelineOperator;

const byValue = ((obj: unknown, expr: unknown, options: Options) => {
  const [idExpr, holder] = expr as [unknown, { $literal: Map<string, unknown> }];
  const key = evalExpr(obj, idExpr, options);
  if (!holdsNumber(key)) return key;
  const k = valueKey(key);
  const first = holder.$literal.get(k);
  if (first !== undefined) return first;
  holder.$literal.set(k, key);
  return key;
}) as unknown as ExpressionOperator;

/** A stage whose operand mingo wants as a JS number (`$limit: Long(5)`), given one. */
function numericOperand(name: '$limit' | '$skip'): PipelineOperator {
  const original = (pipelineOps as unknown as Record<string, PipelineOperator>)[name];
  return ((coll: Iterator, n: unknown, options: Options) =>
    (original as unknown as (c: Iterator, n: unknown, o: Options) => Iterator)(
      coll,
      plainNumber(n),
      options,
    )) as unknown as PipelineOperator;
}

/** The engine's operator context (built once). */
export const bsonContext: Context = Context.init({
  query: { ...(queryOps as any), ...bsonQueryOps },
  projection: { ...(projectionOps as any) },
  expression: {
    ...(expressionOps as any),
    ...typedExpressionOps,
    ...expressionOverrides,
    $_byValue: byValue,
  },
  pipeline: {
    ...(pipelineOps as any),
    $sort: sortStage,
    $group: groupStage,
    $limit: numericOperand('$limit'),
    $skip: numericOperand('$skip'),
  },
  accumulator: { ...(accumulatorOps as any), ...accumulatorOverrides },
  window: { ...(windowOps as any) },
});

/** Base mingo options: our context, inputs never mutated. */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  // scriptEnabled off: $where / $function / $accumulator would run code; decoded BSON never carries functions anyway.
  return {
    context: bsonContext,
    processingMode: ProcessingMode.CLONE_INPUT,
    useStrictMode: true,
    scriptEnabled: false,
    ...extra,
  };
}
