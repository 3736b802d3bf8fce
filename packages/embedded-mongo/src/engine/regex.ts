/**
 * Regular expressions as the driver sends them. bson decodes the BSON `s` option as the JS `g` flag (which
 * would make `exec` stateful) and cannot express `x`; filters are normalised to plain, stateless RegExps.
 */
import { mongoError } from '../errors';
import { bsonTag, isPlainObject } from './bson-types';

/** Strips unescaped whitespace and `#` comments outside character classes (the `x` option). */
function stripExtended(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** A JS RegExp from a MongoDB pattern and options string (i, m, s, x; l and u accepted and ignored). */
export function toRegExp(pattern: string, options: string): RegExp {
  let flags = '';
  let extended = false;
  for (const ch of options) {
    if (ch === 'i' || ch === 'm' || ch === 's') {
      if (!flags.includes(ch)) flags += ch;
    } else if (ch === 'x') extended = true;
    else if (ch === 'g') {
      if (!flags.includes('s')) flags += 's';
    } else if (ch !== 'l' && ch !== 'u') throw mongoError('BadValue', `invalid flag in regex options: ${ch}`);
  }
  try {
    return new RegExp(extended ? stripExtended(pattern) : pattern, flags);
  } catch (e) {
    throw mongoError('BadValue', `Regular expression is invalid: ${(e as Error).message}`);
  }
}

function fixRegExp(r: RegExp): RegExp {
  return r.global || r.sticky ? toRegExp(r.source, r.flags.replace('y', '')) : r;
}

/** Returns the filter with every regex in a usable form (the input is not changed; unchanged parts shared). */
export function normalizeRegexes(v: unknown): unknown {
  if (v instanceof RegExp) return fixRegExp(v);
  if (bsonTag(v) === 'BSONRegExp') {
    const r = v as { pattern: string; options: string };
    return toRegExp(r.pattern, r.options);
  }
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const n = normalizeRegexes(v[i]);
      if (n !== v[i]) (out ??= v.slice())[i] = n;
    }
    return out ?? v;
  }
  if (!isPlainObject(v)) return v;
  if ('$regex' in v) {
    const src = v.$regex;
    const opts = typeof v.$options === 'string' ? v.$options : '';
    let re: RegExp;
    if (typeof src === 'string') re = toRegExp(src, opts);
    else if (src instanceof RegExp) re = toRegExp(src.source, opts || src.flags);
    else if (bsonTag(src) === 'BSONRegExp') re = toRegExp(src.pattern, opts || src.options);
    else throw mongoError('BadValue', '$regex has to be a string');
    const rest: Record<string, unknown> = { $regex: re };
    for (const k of Object.keys(v)) if (k !== '$regex' && k !== '$options') rest[k] = normalizeRegexes(v[k]);
    return rest;
  }
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const n = normalizeRegexes(v[k]);
    if (n !== v[k]) (out ??= { ...v })[k] = n;
  }
  return out ?? v;
}
