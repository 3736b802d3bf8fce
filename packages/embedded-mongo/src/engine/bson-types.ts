/**
 * BSON type classification of decoded values (JS numbers, `Long`, `Double`, ... as wire/exact-numbers.ts
 * decodes them): the canonical type order MongoDB sorts and compares by, and the `$type` names.
 */

/** Canonical type ranks, as MongoDB's `canonicalizeBSONType` (missing and undefined rank as null). */
export const Rank = {
  MinKey: -1,
  Null: 5,
  Number: 10,
  String: 15,
  Object: 20,
  Array: 25,
  Binary: 30,
  ObjectId: 35,
  Boolean: 40,
  Date: 45,
  Timestamp: 47,
  Regex: 50,
  DBPointer: 55,
  Code: 60,
  CodeWScope: 65,
  MaxKey: 127,
} as const;

/** The `_bsontype` tag of a bson class instance, or undefined for plain JS values. */
export function bsonTag(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as { _bsontype?: string })._bsontype : undefined;
}

/** True for a plain object (a document or embedded document), not an array, Date or bson class. */
export function isPlainObject(v: unknown): v is Record<string, any> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The canonical type rank of a value; see `Rank`. */
export function typeRank(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return Rank.Number;
    case 'string':
      return Rank.String;
    case 'boolean':
      return Rank.Boolean;
    case 'undefined':
      return Rank.Null;
    case 'object':
      break;
    default:
      return Rank.Object;
  }
  if (v === null) return Rank.Null;
  if (Array.isArray(v)) return Rank.Array;
  if (v instanceof Date) return Rank.Date;
  if (v instanceof RegExp) return Rank.Regex;
  switch ((v as { _bsontype?: string })._bsontype) {
    case undefined:
      return Rank.Object;
    case 'ObjectId':
      return Rank.ObjectId;
    case 'Long':
    case 'Decimal128':
    case 'Int32':
    case 'Double':
      return Rank.Number;
    case 'Binary':
      return Rank.Binary;
    case 'Timestamp':
      return Rank.Timestamp;
    case 'MinKey':
      return Rank.MinKey;
    case 'MaxKey':
      return Rank.MaxKey;
    case 'BSONRegExp':
      return Rank.Regex;
    case 'BSONSymbol':
      return Rank.String;
    case 'Code':
      return (v as { scope?: unknown }).scope ? Rank.CodeWScope : Rank.Code;
    case 'DBRef':
      return Rank.Object;
    default:
      return Rank.Object;
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** True when a JS number goes on the wire as int32 (what bson `serialize` does). */
export function isInt32Number(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0);
}

/** The MongoDB `$type` alias of a value (`"missing"` for undefined). */
export function bsonTypeName(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return isInt32Number(v) ? 'int' : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'missing';
    default:
      break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  switch ((v as { _bsontype?: string })._bsontype) {
    case 'ObjectId':
      return 'objectId';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'BSONRegExp':
      return 'regex';
    case 'BSONSymbol':
      return 'symbol';
    case 'Code':
      return (v as { scope?: unknown }).scope ? 'javascriptWithScope' : 'javascript';
    default:
      return 'object';
  }
}

/** `$type` numeric codes to aliases. */
export const TYPE_CODES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  12: 'dbPointer',
  13: 'javascript',
  14: 'symbol',
  15: 'javascriptWithScope',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

/** True for any BSON numeric value (JS number, Long, Decimal128, Int32, Double, bigint). */
export function isNumeric(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return true;
  const t = bsonTag(v);
  return t === 'Long' || t === 'Decimal128' || t === 'Int32' || t === 'Double';
}

/**
 * A DBRef as the document it is on the wire: `{$ref, $id, $db?, ...extra fields}` (queries address its
 * fields by those names: `'refs.$id'`, `$elemMatch: {$ref, $id}`).
 */
export function dbrefDoc(v: unknown): Record<string, unknown> {
  const r = v as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
  const out: Record<string, unknown> = { $ref: r.collection, $id: r.oid };
  if (r.db) out.$db = r.db;
  if (r.fields) for (const k of Object.keys(r.fields)) out[k] = r.fields[k];
  return out;
}
