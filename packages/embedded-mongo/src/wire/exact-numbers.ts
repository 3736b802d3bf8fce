/**
 * How the numbers of a command reach the engine, keeping their BSON type wherever a JS number would lose it:
 *
 * - int32 and every double a JS number re-encodes as double (fractions, -0, NaN, ±Infinity, integers outside
 *   the int32 range) stay JS numbers: exact, and what mingo and the engine's fast paths work on.
 * - an integral double in the int32 range (`5.0`), which bson would re-encode as int32, becomes a bson `Double`;
 * - every int64 becomes a bson `Long` (decoded with `promoteLongs: false`), whatever its size.
 *
 * Only values inside the command's sub-documents and arrays are data (documents, filters, updates, pipelines);
 * the command's own top-level fields are its options and envelope (`txnNumber`, `getMore`, `limit`, ...), and
 * keep the promotion they always had: an int64 within 2^53 becomes a JS number there. The envelope's
 * sub-documents (`lsid`, `$clusterTime`, read and write concerns, `cursor`) hold no data and are not walked.
 */
import { Double, Long } from 'bson';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

type Container = Record<string, unknown> | unknown[];

/** Sub-documents of a command's envelope, never data: not walked. */
const ENVELOPE = new Set([
  'lsid',
  '$clusterTime',
  'readConcern',
  'writeConcern',
  '$readPreference',
  'cursor',
]);

/** The bytes after a cstring that starts at `p` (its terminating NUL included). */
function skipCString(buf: Buffer, p: number): number {
  while (buf[p] !== 0) p++;
  return p + 1;
}

/**
 * Walks the BSON document at `start` (already decoded into `obj`, same field order) and replaces each
 * integral int32-range double with a `Double`, at any depth, or only below the top level when `nestedOnly`.
 * `obj` is changed in place.
 */
export function keepIntegralDoubles(buf: Buffer, start: number, obj: Container, nestedOnly = false): void {
  const isArray = Array.isArray(obj);
  const keys = isArray ? undefined : Object.keys(obj);
  const end = start + buf.readInt32LE(start) - 1;
  let p = start + 4;
  let index = 0;
  while (p < end) {
    const type = buf[p];
    const nameStart = p + 1;
    p = skipCString(buf, nameStart);
    const nameEnd = p - 1;
    const i = index++;
    switch (type) {
      case 0x01: {
        const v = buf.readDoubleLE(p);
        p += 8;
        if (
          !nestedOnly &&
          v >= INT32_MIN &&
          v <= INT32_MAX &&
          Number.isInteger(v) &&
          !(v === 0 && 1 / v < 0)
        ) {
          if (isArray) obj[i] = new Double(v);
          else obj[fieldName(buf, nameStart, nameEnd, keys!, i)] = new Double(v);
        }
        break;
      }
      case 0x03:
      case 0x04: {
        const size = buf.readInt32LE(p);
        // A sub-document the decoder turned into a class (a DBRef) holds no plain fields to patch.
        const name = isArray ? undefined : fieldName(buf, nameStart, nameEnd, keys!, i);
        const child = isArray ? obj[i] : obj[name!];
        if (nestedOnly && ENVELOPE.has(name!)) {
          p += size;
          break;
        }
        if (child !== null && typeof child === 'object' && (Array.isArray(child) || isPlain(child)))
          keepIntegralDoubles(buf, p, child as Container);
        p += size;
        break;
      }
      case 0x02: // string
      case 0x0d: // code
      case 0x0e: // symbol
        p += 4 + buf.readInt32LE(p);
        break;
      case 0x05: // binary: size, subtype, bytes
        p += 5 + buf.readInt32LE(p);
        break;
      case 0x06: // undefined
      case 0x0a: // null
      case 0x7f: // maxKey
      case 0xff: // minKey
        break;
      case 0x07: // ObjectId
        p += 12;
        break;
      case 0x08: // boolean
        p += 1;
        break;
      case 0x09: // date
      case 0x11: // timestamp
      case 0x12: // int64
        p += 8;
        break;
      case 0x0b: // regex: pattern, options
        p = skipCString(buf, skipCString(buf, p));
        break;
      case 0x0c: // DBPointer: string, ObjectId
        p += 4 + buf.readInt32LE(p) + 12;
        break;
      case 0x0f: // code with scope: total size
        p += buf.readInt32LE(p);
        break;
      case 0x10: // int32
        p += 4;
        break;
      case 0x13: // decimal128
        p += 16;
        break;
      default:
        // bson.deserialize already refused anything else.
        return;
    }
  }
}

/**
 * The name of the i-th field: the decoded object's i-th key when it is ASCII and its bytes are the field's (the
 * usual case, without allocating), else the bytes decoded (JS puts integer-like keys first, so the orders can
 * differ).
 */
function fieldName(buf: Buffer, start: number, end: number, keys: string[], i: number): string {
  const key = keys[i];
  if (key !== undefined && key.length === end - start) {
    let same = true;
    for (let j = 0; j < key.length; j++) {
      const c = key.charCodeAt(j);
      if (c >= 0x80 || c !== buf[start + j]) {
        same = false;
        break;
      }
    }
    if (same) return key;
  }
  return buf.toString('utf8', start, end);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The command's top-level int64 options and envelope fields back to JS numbers where exact (see above). */
export function promoteTopLevelLongs(cmd: Record<string, unknown>): void {
  for (const k in cmd) {
    const v = cmd[k];
    if ((v as { _bsontype?: unknown } | null)?._bsontype === 'Long') {
      const n = (v as Long).toNumber();
      if (Number.isSafeInteger(n)) cmd[k] = n;
    }
  }
}
