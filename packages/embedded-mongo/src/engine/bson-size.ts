/**
 * The exact BSON size of a decoded document, computed without serialising (several times faster than
 * `bson.calculateObjectSize`); the memory bound and the 16 MB document limit use it.
 */
import { calculateObjectSize } from 'bson';
import type { Binary } from 'bson';
import { isInt32Number } from './bson-types';

function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function indexKeyLength(i: number): number {
  return i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : String(i).length;
}

function valueSize(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return 5 + utf8Length(v);
    case 'number':
      return isInt32Number(v) ? 4 : 8;
    case 'boolean':
      return 1;
    case 'undefined':
      return 0;
    case 'bigint':
      return 8;
    case 'object':
      break;
    default:
      return 0;
  }
  if (v === null) return 0;
  if (Array.isArray(v)) {
    let n = 5;
    for (let i = 0; i < v.length; i++) n += 2 + indexKeyLength(i) + valueSize(v[i]);
    return n;
  }
  if (v instanceof Date) return 8;
  if (v instanceof RegExp) return utf8Length(v.source) + v.flags.length + 2;
  switch ((v as { _bsontype?: string })._bsontype) {
    case undefined:
      return bsonSize(v as Record<string, unknown>);
    case 'ObjectId':
      return 12;
    case 'Long':
    case 'Timestamp':
    case 'Double':
      return 8;
    case 'Int32':
      return 4;
    case 'Decimal128':
      return 16;
    case 'Binary': {
      const b = v as Binary;
      return 5 + b.position + (b.sub_type === 2 ? 4 : 0);
    }
    case 'MinKey':
    case 'MaxKey':
      return 0;
    default:
      return calculateObjectSize({ v } as never) - 7;
  }
}

/** BSON byte size of a document. */
export function bsonSize(doc: Record<string, unknown>): number {
  let n = 5;
  for (const k in doc) {
    const v = doc[k];
    if (typeof v === 'function') continue;
    n += 2 + utf8Length(k) + valueSize(v);
  }
  return n;
}

/** BSON bytes one top-level field takes in its document. */
export function fieldSize(key: string, value: unknown): number {
  return typeof value === 'function' ? 0 : 2 + utf8Length(key) + valueSize(value);
}
