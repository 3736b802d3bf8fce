/**
 * Aggregation expressions over the engine's numbers: mingo's arithmetic knows only JS numbers, and the engine
 * keeps int64 as `Long` and integral doubles as `Double` (see wire/exact-numbers.ts). The four operations
 * are computed here with MongoDB's result types (`$sum` / `$avg` / `$min` / `$max` are the accumulators of
 * mingo-context.ts, which mingo also runs as expressions); the
 * other numeric operators run mingo's code on plain numbers (exact below 2^53) and give their result the
 * type MongoDB would (a double stays a double, an int64 stays an int64).
 */
import { Long } from 'bson';
import { evalExpr } from 'mingo/core';
import * as expressionOps from 'mingo/operators/expression';
import type { ExpressionOperator, Options } from 'mingo/types';
import { bsonTag, isInt32Number, isNumeric } from './bson-types';
import { addNumbers, asDouble, multiplyNumbers, subtractNumbers, toDouble } from './numbers';

type Op = (obj: unknown, expr: unknown, options: Options) => unknown;

/** A numeric value as the plain JS number mingo expects, where that is exact; anything else unchanged. */
export function plainNumber(v: unknown): unknown {
  switch (bsonTag(v)) {
    case 'Double':
    case 'Int32':
      return (v as { value: number }).value;
    case 'Long': {
      const n = (v as Long).toNumber();
      return Number.isSafeInteger(n) ? n : v;
    }
    default:
      return v;
  }
}

/** True for a value mingo would not see as the JS number it stands for. */
function isWrapped(v: unknown): boolean {
  const t = bsonTag(v);
  return t === 'Double' || t === 'Int32' || t === 'Long';
}

function isNullish(v: unknown): boolean {
  return v === null || v === undefined;
}

function isDouble(v: unknown): boolean {
  return (typeof v === 'number' && !isInt32Number(v)) || bsonTag(v) === 'Double';
}

/** The result of a numeric mingo operator, typed as its first operand when that operand was wrapped. */
type Retype = (result: unknown, args: unknown[]) => unknown;

const sameAsFirst: Retype = (r, args) => {
  if (typeof r !== 'number') return r;
  if (isDouble(args[0])) return asDouble(r);
  if (bsonTag(args[0]) === 'Long' && Number.isSafeInteger(r)) return Long.fromNumber(r);
  return r;
};

const alwaysDouble: Retype = (r) => (typeof r === 'number' ? asDouble(r) : r);

const widest: Retype = (r, args) => {
  if (typeof r !== 'number') return r;
  if (args.some(isDouble)) return asDouble(r);
  if (args.some((a) => bsonTag(a) === 'Long') && Number.isSafeInteger(r)) return Long.fromNumber(r);
  return r;
};

/**
 * mingo's operator `name` run on the evaluated operands with wrapped numbers made plain; `retype` types the
 * result when some operand was wrapped (or always, with `always`).
 */
function promoting(name: string, retype?: Retype, always = false): ExpressionOperator {
  const original = (expressionOps as unknown as Record<string, Op>)[name];
  return ((obj: unknown, expr: unknown, options: Options) => {
    const list = Array.isArray(expr);
    const raw = list
      ? (expr as unknown[]).map((e) => evalExpr(obj, e, options))
      : [evalExpr(obj, expr, options)];
    const wrapped = raw.some(isWrapped);
    if (!wrapped && !always) return original(obj, list ? raw.map(literal) : literal(raw[0]), options);
    const plain = raw.map(plainNumber);
    const r = original(obj, list ? plain.map(literal) : literal(plain[0]), options);
    return retype ? retype(r, raw) : r;
  }) as unknown as ExpressionOperator;
}

function literal(v: unknown): unknown {
  return { $literal: v };
}

function operands(obj: unknown, expr: unknown, options: Options): unknown[] {
  const v = Array.isArray(expr)
    ? (expr as unknown[]).map((e) => evalExpr(obj, e, options))
    : evalExpr(obj, expr, options);
  return Array.isArray(v) ? v : [v];
}

/** `$add` / `$multiply`: typed when every operand is a number; dates (and errors) are mingo's. */
function fold(name: string, f: (a: unknown, b: unknown) => unknown): ExpressionOperator {
  const fallback = promoting(name) as unknown as Op;
  return ((obj: unknown, expr: unknown, options: Options) => {
    if (!Array.isArray(expr)) return fallback(obj, expr, options);
    const args = operands(obj, expr, options);
    if (args.some(isNullish)) return null;
    if (args.length === 0 || !args.every(isNumeric)) return fallback(obj, expr, options);
    let acc = args[0];
    for (let i = 1; i < args.length; i++) acc = f(acc, args[i]);
    return acc;
  }) as unknown as ExpressionOperator;
}

const subtractFallback = promoting('$subtract') as unknown as Op;
const divideFallback = promoting('$divide', alwaysDouble) as unknown as Op;
const toLongPlain = promoting('$toLong', undefined, true) as unknown as Op;

const subtract = ((obj: unknown, expr: unknown, options: Options) => {
  const args = Array.isArray(expr) && expr.length === 2 ? operands(obj, expr, options) : undefined;
  if (args && args.some(isNullish)) return null;
  if (args && args.every(isNumeric)) return subtractNumbers(args[0], args[1]);
  return subtractFallback(obj, expr, options);
}) as unknown as ExpressionOperator;

const divide = ((obj: unknown, expr: unknown, options: Options) => {
  const args = Array.isArray(expr) && expr.length === 2 ? operands(obj, expr, options) : undefined;
  if (args && args.some(isNullish)) return null;
  if (args && args.every((a) => isNumeric(a) && bsonTag(a) !== 'Decimal128') && toDouble(args[1]) !== 0)
    return asDouble(toDouble(args[0]) / toDouble(args[1]));
  return divideFallback(obj, expr, options);
}) as unknown as ExpressionOperator;

const toLong = ((obj: unknown, expr: unknown, options: Options) => {
  const r = toLongPlain(obj, expr, options);
  return typeof r === 'number' && Number.isSafeInteger(r) ? Long.fromNumber(r) : r;
}) as unknown as ExpressionOperator;

/** The expression operators that replace mingo's (registered before them). */
export const typedExpressionOps: Record<string, ExpressionOperator> = {
  $add: fold('$add', (a, b) => addNumbers(a, b)),
  $multiply: fold('$multiply', (a, b) => multiplyNumbers(a, b)),
  $subtract: subtract,
  $divide: divide,
  $abs: promoting('$abs', sameAsFirst),
  $ceil: promoting('$ceil', sameAsFirst),
  $floor: promoting('$floor', sameAsFirst),
  $trunc: promoting('$trunc', sameAsFirst),
  $round: promoting('$round', sameAsFirst),
  $mod: promoting('$mod', widest),
  $pow: promoting('$pow', alwaysDouble),
  $sqrt: promoting('$sqrt', alwaysDouble),
  $exp: promoting('$exp', alwaysDouble),
  $ln: promoting('$ln', alwaysDouble),
  $log: promoting('$log', alwaysDouble),
  $log10: promoting('$log10', alwaysDouble),
  $toDouble: promoting('$toDouble', alwaysDouble, true),
  $toLong: toLong,
  $toInt: promoting('$toInt'),
  $toBool: promoting('$toBool'),
  $arrayElemAt: promoting('$arrayElemAt'),
  $slice: promoting('$slice'),
  $range: promoting('$range'),
  $substr: promoting('$substr'),
  $substrCP: promoting('$substrCP'),
  $substrBytes: promoting('$substrBytes'),
  $isNumber: ((obj: unknown, expr: unknown, options: Options) =>
    isNumeric(
      evalExpr(obj, Array.isArray(expr) && expr.length === 1 ? expr[0] : expr, options),
    )) as unknown as ExpressionOperator,
};
