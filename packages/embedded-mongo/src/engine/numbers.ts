/**
 * BSON numbers: exact comparison across JS number / Long / Decimal128 / Int32 / Double, and the typed
 * arithmetic of `$inc` / `$mul` (int32 overflow widens to Long, Long stays Long, Decimal128 is exact).
 */
import { Decimal128, Double, Long } from 'bson';
import { bsonTag, isInt32Number } from './bson-types';

type Exact = { k: 'nan' } | { k: 'inf'; neg: boolean } | { k: 'rat'; num: bigint; den: bigint };

const NAN: Exact = { k: 'nan' };

/**
 * A double result as the engine keeps it: a JS number, unless bson would encode that number as int32 (an
 * integral value in the int32 range), then a bson `Double`, so it stays a double on the wire.
 */
export function asDouble(n: number): number | Double {
  return isInt32Number(n) ? new Double(n) : n;
}

/** The JS number a numeric BSON value stands for (lossy for big Long / Decimal128). */
export function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonTag(v)) {
    case 'Long':
      return (v as Long).toNumber();
    case 'Decimal128':
      return parseFloat((v as Decimal128).toString());
    case 'Int32':
    case 'Double':
      return (v as { value: number }).value;
    default:
      return NaN;
  }
}

/** Decimal128 as coefficient and base-10 exponent; null for NaN / Infinity. */
export function decimalParts(d: Decimal128): { coef: bigint; exp: number } | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:E([+-]?\d+))?$/i.exec(d.toString());
  if (!m) return null;
  const frac = m[3] ?? '';
  const coef = BigInt(m[2] + frac) * (m[1] === '-' ? -1n : 1n);
  return { coef, exp: Number(m[4] ?? 0) - frac.length };
}

function doubleExact(n: number): Exact {
  if (Number.isNaN(n)) return NAN;
  if (!Number.isFinite(n)) return { k: 'inf', neg: n < 0 };
  if (Number.isInteger(n)) return { k: 'rat', num: BigInt(n), den: 1n };
  // Doubling a non-integral double is exact; at most 1074 steps reach an integer.
  let x = n;
  let k = 0n;
  while (!Number.isInteger(x)) {
    x *= 2;
    k++;
  }
  return { k: 'rat', num: BigInt(x), den: 2n ** k };
}

function toExact(v: unknown): Exact {
  if (typeof v === 'number') return doubleExact(v);
  if (typeof v === 'bigint') return { k: 'rat', num: v, den: 1n };
  switch (bsonTag(v)) {
    case 'Long':
      return { k: 'rat', num: (v as Long).toBigInt(), den: 1n };
    case 'Int32':
    case 'Double':
      return doubleExact((v as { value: number }).value);
    case 'Decimal128': {
      const s = (v as Decimal128).toString();
      if (s === 'NaN' || s === '-NaN') return NAN;
      if (s.endsWith('Infinity')) return { k: 'inf', neg: s.startsWith('-') };
      const p = decimalParts(v as Decimal128)!;
      return p.exp >= 0
        ? { k: 'rat', num: p.coef * 10n ** BigInt(p.exp), den: 1n }
        : { k: 'rat', num: p.coef, den: 10n ** BigInt(-p.exp) };
    }
    default:
      return NAN;
  }
}

function exactRank(e: Exact): number {
  if (e.k === 'nan') return 0;
  if (e.k === 'inf') return e.neg ? 1 : 3;
  return 2;
}

/** Compares two numeric values by value (NaN lowest and equal to itself, -0 == 0). */
export function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    return an === bn ? 0 : an ? -1 : 1;
  }
  // Long within the safe range compares as a double.
  const da = safeDouble(a);
  const db = safeDouble(b);
  if (da !== undefined && db !== undefined) return compareNumbers(da, db);
  const ea = toExact(a);
  const eb = toExact(b);
  const ra = exactRank(ea);
  const rb = exactRank(eb);
  if (ra !== rb || ea.k !== 'rat' || eb.k !== 'rat') return ra < rb ? -1 : ra > rb ? 1 : 0;
  const l = ea.num * eb.den;
  const r = eb.num * ea.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

function safeDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const t = bsonTag(v);
  if (t === 'Int32' || t === 'Double') return (v as { value: number }).value;
  if (t === 'Long') {
    const n = (v as Long).toNumber();
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** A canonical string for a numeric value: equal strings iff equal values (used in hash keys). */
export function numberKey(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
    return String(v);
  }
  const t = bsonTag(v);
  if (t === 'Long') return (v as Long).toBigInt().toString();
  if (t === 'Int32' || t === 'Double') return numberKey((v as { value: number }).value);
  if (t === 'Decimal128') {
    const p = decimalParts(v as Decimal128);
    if (!p) return (v as Decimal128).toString();
    let { coef, exp } = p;
    while (coef !== 0n && coef % 10n === 0n) {
      coef /= 10n;
      exp++;
    }
    if (coef === 0n) return '0';
    if (exp >= 0) return (coef * 10n ** BigInt(exp)).toString();
    // Matches String(double) for the usual short fractions (1.5, 0.25), so 1.5 and Decimal128("1.50") agree.
    return formatDecimal(coef, exp);
  }
  if (typeof v === 'bigint') return v.toString();
  return 'NaN';
}

function formatDecimal(coef: bigint, exp: number): string {
  const neg = coef < 0n;
  let digits = (neg ? -coef : coef).toString();
  const scale = -exp;
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  const s = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return neg ? `-${s}` : s;
}

/** Numeric kinds of the arithmetic: the result takes the widest kind of its operands. */
type Kind = 0 | 1 | 2 | 3; // int, long, double, decimal

function kindOf(v: unknown): Kind {
  if (typeof v === 'number') return isInt32Number(v) ? 0 : 2;
  if (typeof v === 'bigint') return 1;
  switch (bsonTag(v)) {
    case 'Int32':
      return 0;
    case 'Long':
      return 1;
    case 'Decimal128':
      return 3;
    default:
      return 2;
  }
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (bsonTag(v) === 'Long') return (v as Long).toBigInt();
  return BigInt(toDouble(v));
}

function toDecimalExact(v: unknown): { coef: bigint; exp: number } | null {
  if (bsonTag(v) === 'Decimal128') return decimalParts(v as Decimal128);
  if (kindOf(v) <= 1) return { coef: toBig(v), exp: 0 };
  const n = toDouble(v);
  if (!Number.isFinite(n)) return null;
  // MongoDB converts a double operand to decimal at 15 significant digits.
  return decimalParts(Decimal128.fromString(n.toPrecision(15)));
}

function makeDecimal(coef: bigint, exp: number): Decimal128 {
  const text = `${coef}E${exp}`;
  const withRounding = (Decimal128 as unknown as { fromStringWithRounding?: (s: string) => Decimal128 })
    .fromStringWithRounding;
  return withRounding ? withRounding(text) : Decimal128.fromString(text);
}

function decimalOp(a: unknown, b: unknown, op: 'add' | 'mul'): Decimal128 {
  const x = toDecimalExact(a);
  const y = toDecimalExact(b);
  if (!x || !y) {
    const r = op === 'add' ? toDouble(a) + toDouble(b) : toDouble(a) * toDouble(b);
    return Decimal128.fromString(Number.isNaN(r) ? 'NaN' : r > 0 ? 'Infinity' : '-Infinity');
  }
  if (op === 'mul') return makeDecimal(x.coef * y.coef, x.exp + y.exp);
  const e = Math.min(x.exp, y.exp);
  return makeDecimal(x.coef * 10n ** BigInt(x.exp - e) + y.coef * 10n ** BigInt(y.exp - e), e);
}

function integerResult(r: bigint, kind: Kind, strict: boolean): unknown {
  if (r < LONG_MIN || r > LONG_MAX) return strict ? undefined : Number(r); // an aggregation degrades to double
  if (kind === 0 && r >= -2147483648n && r <= 2147483647n) return Number(r);
  return Long.fromBigInt(r);
}

/**
 * `a + b` with MongoDB's type rules (int32 overflow widens to int64; int + double is a double). Both must be
 * numeric. An int64 overflow gives a double, or undefined when `strict` (an update, where it is an error).
 */
export function addNumbers(a: unknown, b: unknown, strict = false): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (isInt32Number(a) && isInt32Number(b)) return isInt32Number(r) ? r : Long.fromNumber(r);
    return asDouble(r);
  }
  const kind = Math.max(kindOf(a), kindOf(b)) as Kind;
  if (kind === 3) return decimalOp(a, b, 'add');
  if (kind === 2) return asDouble(toDouble(a) + toDouble(b));
  return integerResult(toBig(a) + toBig(b), kind, strict);
}

/** `-v` of a numeric value, keeping its type (the negation of the smallest int32 / int64 widens). */
export function negateNumber(v: unknown): unknown {
  const k = kindOf(v);
  if (k === 3) {
    const s = (v as Decimal128).toString();
    return Decimal128.fromString(s.startsWith('-') ? s.slice(1) : `-${s}`);
  }
  if (k === 2) return asDouble(-toDouble(v));
  return integerResult(-toBig(v), k, false);
}

/** `a - b` with the type rules of `addNumbers`. */
export function subtractNumbers(a: unknown, b: unknown): unknown {
  return addNumbers(a, negateNumber(b));
}

/** `a * b` with MongoDB's type rules. Both must be numeric; `strict` as for `addNumbers`. */
export function multiplyNumbers(a: unknown, b: unknown, strict = false): unknown {
  const kind = Math.max(kindOf(a), kindOf(b)) as Kind;
  if (kind === 3) return decimalOp(a, b, 'mul');
  if (kind === 2) return asDouble(toDouble(a) * toDouble(b));
  return integerResult(toBig(a) * toBig(b), kind, strict);
}

/** `$bit` on int / long values; returns undefined when a value is not an integer type. */
export function bitwise(a: unknown, b: unknown, op: 'and' | 'or' | 'xor'): unknown {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka > 1 || kb > 1) return undefined;
  const x = toBig(a);
  const y = toBig(b);
  const r = op === 'and' ? x & y : op === 'or' ? x | y : x ^ y;
  if (ka === 0 && kb === 0) return Number(BigInt.asIntN(32, r));
  return Long.fromBigInt(BigInt.asIntN(64, r));
}

/** The zero of a numeric value's type (what `$mul` stores into a missing field). */
export function zeroLike(v: unknown): unknown {
  const k = kindOf(v);
  if (k === 1) return Long.fromNumber(0);
  if (k === 3) return Decimal128.fromString('0');
  if (k === 2) return new Double(0);
  return 0;
}
