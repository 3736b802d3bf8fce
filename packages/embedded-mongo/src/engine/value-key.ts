/**
 * A canonical string per BSON value such that `valueKey(a) === valueKey(b)` iff `bsonEquals(a, b)` (up to
 * exotic double/decimal spellings). It keys the `_id` map, unique-key reservations and the filter cache.
 */
import { EJSON } from 'bson';
import type { Binary, ObjectId } from 'bson';
import { bsonTag } from './bson-types';
import { numberKey } from './numbers';

function str(s: string): string {
  return `${s.length}:${s}`;
}

/**
 * The canonical key of a value (see module doc); `typed` keeps numbers of different BSON types apart
 * (`Long(5)`, `Double(5)`, `5`), for keys of things that keep the values themselves (the filter cache: an
 * upsert builds its document from the cached filter).
 */
export function valueKey(v: unknown, typed = false): string {
  switch (typeof v) {
    case 'string':
      return `s${str(v)}`;
    case 'number':
      return Number.isInteger(v) && Number.isSafeInteger(v) ? `n${v}` : `n${numberKey(v)}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'undefined':
      return 'z';
    case 'bigint':
      return `n${v}`;
    default:
      break;
  }
  if (v === null) return 'z';
  if (Array.isArray(v)) {
    let out = '[';
    for (const x of v) out += valueKey(x, typed) + ',';
    return out + ']';
  }
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof RegExp) return `r${str(v.source)}${v.flags}`;
  switch (bsonTag(v)) {
    case undefined: {
      let out = '{';
      for (const k of Object.keys(v as object))
        out += str(k) + valueKey((v as Record<string, unknown>)[k], typed) + ',';
      return out + '}';
    }
    case 'ObjectId':
      return `o${(v as ObjectId).toHexString()}`;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return typed ? `n${(v as { _bsontype: string })._bsontype}${numberKey(v)}` : `n${numberKey(v)}`;
    case 'Binary': {
      const b = v as Binary;
      return `x${b.sub_type}:${Buffer.from(b.buffer.buffer, b.buffer.byteOffset, b.position).toString('base64')}`;
    }
    case 'BSONSymbol':
      return `s${str(String((v as { value: string }).value))}`;
    case 'MinKey':
      return 'm';
    case 'MaxKey':
      return 'M';
    default:
      return `?${EJSON.stringify(v as never, { relaxed: false })}`;
  }
}
