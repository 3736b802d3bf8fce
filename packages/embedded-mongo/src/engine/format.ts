/**
 * Values printed the way mongod prints them in error messages and explain bounds
 * (`{ x: 1 }`, `"abc"`, `ObjectId('…')`).
 */
import { bsonTag, isPlainObject } from './bson-types';
import type { Doc } from './types';

/** One value in mongod's shell-like notation. */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof RegExp) return String(v);
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(', ')} ]`;
  if (isPlainObject(v)) return formatDoc(v);
  switch (bsonTag(v)) {
    case 'ObjectId':
      return `ObjectId('${String((v as { toHexString(): string }).toHexString())}')`;
    case 'MinKey':
      return 'MinKey';
    case 'MaxKey':
      return 'MaxKey';
    default:
      return String(v);
  }
}

/** `{ a: 1, b: "x" }`. */
export function formatDoc(doc: Doc): string {
  const parts = Object.keys(doc).map((k) => `${k}: ${formatValue(doc[k])}`);
  return parts.length ? `{ ${parts.join(', ')} }` : '{}';
}
