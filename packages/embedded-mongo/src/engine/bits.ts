/**
 * The bitwise query operators `$bitsAllSet`, `$bitsAnySet`, `$bitsAllClear`, `$bitsAnyClear`, as MongoDB
 * runs them: on integral numbers (two's complement, sign-extended past bit 63) and on BinData (bit 0 is the
 * lowest bit of the first byte); the mask is a non-negative number, a BinData or a list of bit positions.
 * Other values (strings, fractional numbers, ...) never match.
 */
import type { Binary, Long } from 'bson';
import { mongoError } from '../errors';
import { bsonTag } from './bson-types';

/** A value's bits: `bit(i)` for any position; undefined when the value has no bits (does not match). */
type Bits = (pos: number) => boolean;

function bytesOf(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

function byteBits(bytes: Uint8Array): Bits {
  return (pos) => {
    const byte = pos >> 3;
    return byte < bytes.length && ((bytes[byte] >> (pos & 7)) & 1) === 1;
  };
}

function integerBits(n: bigint): Bits {
  const u = BigInt.asUintN(64, n);
  const negative = n < 0n;
  return (pos) => (pos >= 64 ? negative : ((u >> BigInt(pos)) & 1n) === 1n);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bitsOf(v: unknown): Bits | undefined {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return undefined;
    const n = BigInt(v);
    return n < INT64_MIN || n > INT64_MAX ? undefined : integerBits(n);
  }
  const tag = bsonTag(v);
  if (tag === 'Double' || tag === 'Int32') return bitsOf((v as { value: number }).value);
  if (tag === 'Long') return integerBits(BigInt((v as Long).toString()));
  if (tag === 'Binary') return byteBits(bytesOf(v as Binary));
  return undefined;
}

/** The bit positions a mask names. */
function maskPositions(op: string, mask: unknown): number[] {
  if (Array.isArray(mask)) {
    return mask.map((p) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0)
        throw mongoError('BadValue', `bit positions must be non-negative integers, found: ${String(p)}`);
      return p;
    });
  }
  const tag = bsonTag(mask);
  if (tag === 'Binary') {
    const bytes = bytesOf(mask as Binary);
    const out: number[] = [];
    for (let i = 0; i < bytes.length * 8; i++) if (byteBits(bytes)(i)) out.push(i);
    return out;
  }
  let n: bigint | undefined;
  if ((tag === 'Double' || tag === 'Int32') && Number.isInteger(Number(mask))) n = BigInt(Number(mask));
  else if (typeof mask === 'number' && Number.isInteger(mask)) n = BigInt(mask);
  else if (tag === 'Long') n = BigInt((mask as Long).toString());
  if (n === undefined)
    throw mongoError(
      'BadValue',
      `${op} takes an Array, a number, or a BinData but received: ${JSON.stringify(mask)}`,
    );
  if (n < 0n) throw mongoError('BadValue', `${op} bitmask must be a non-negative number`);
  const out: number[] = [];
  for (let i = 0; n > 0n; i++, n >>= 1n) if (n & 1n) out.push(i);
  return out;
}

type BitTest = (bits: Bits, positions: number[]) => boolean;

const TESTS: Record<string, BitTest> = {
  $bitsAllSet: (b, ps) => ps.every((p) => b(p)),
  $bitsAnySet: (b, ps) => ps.some((p) => b(p)),
  $bitsAllClear: (b, ps) => ps.every((p) => !b(p)),
  $bitsAnyClear: (b, ps) => ps.some((p) => !b(p)),
};

/** The candidate test of one bitwise operator (`op` one of the four names) with its mask. */
export function bitsPredicate(op: string, mask: unknown): (candidates: unknown[]) => boolean {
  const positions = maskPositions(op, mask);
  const test = TESTS[op];
  return (cs) => {
    for (const c of cs) {
      const bits = bitsOf(c);
      if (bits && test(bits, positions)) return true;
    }
    return false;
  };
}

/** The operator names. */
export const BIT_OPERATORS = Object.keys(TESTS);
