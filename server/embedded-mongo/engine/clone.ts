/**
 * Copies of stored documents. Stored documents are immutable once stored (copy-on-write); callers always get
 * copies. bson class instances (ObjectId, Long, Decimal128, Binary, ...) are immutable values and are shared;
 * Dates are mutable and are copied.
 */

/** A deep copy of plain objects, arrays and Dates; everything else is shared. */
export function deepCopy<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepCopy(v[i]);
    return out as T;
  }
  if (v instanceof Date) return new Date(v.getTime()) as T;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const k in v) setField(out, k, deepCopy((v as Record<string, unknown>)[k]));
  return out as T;
}

/** `obj[key] = value`, also for a field literally named `__proto__` (which assignment would not create). */
export function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
