/** Keys that name an object's prototype machinery: never a field of this API. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** JSON bodies are at most 16 kB, so this bounds nothing real; it keeps the walk finite whatever it is given. */
const MAX_NODES = 100_000;

/** A refused key: where it is (dotted path) and which key it is. */
export interface PrototypeKey {
  path: string;
  key: string;
}

/**
 * Every `__proto__`, `constructor` or `prototype` key of a parsed JSON value, at any depth. joi loses an own
 * `__proto__` key when it copies the object, so the unknown-field rule alone would let it through silently.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findPrototypeKeys(value: unknown): PrototypeKey[] {
  const found: PrototypeKey[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let visited = 0; stack.length > 0 && visited < MAX_NODES; visited += 1) {
    const { value: node, path } = stack.pop() as { value: unknown; path: string };
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const at = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) found.push({ path: at, key });
      else stack.push({ value: (node as Record<string, unknown>)[key], path: at });
    }
  }
  return found;
}
