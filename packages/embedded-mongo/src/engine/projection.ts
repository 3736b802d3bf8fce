/**
 * find / findAndModify projections: inclusion and exclusion (dotted, through arrays), `$slice`, `$elemMatch`,
 * positional `a.$`; `_id` first and document order kept. Aggregation expressions in a projection run through
 * mingo's `$project` on a copy.
 */
import { Aggregator } from 'mingo/aggregator';
import { MongoError, mongoError } from '../errors';
import { isNumeric, isPlainObject } from './bson-types';
import { deepCopy } from './clone';
import { compileFilter } from './matcher';
import { mingoOptions } from './mingo-context';
import { getPath, ownValue, splitPath } from './paths';
import { matchedIndex } from './positional';
import type { Doc } from './types';

type Tree = { [field: string]: Tree | true };

/** A compiled projection: returns a new document (never shares mutable parts with the input). */
export type Projector = (doc: Doc, filter?: Doc) => Doc;

const identityCopy: Projector = (doc) => deepCopy(doc);

function addPath(tree: Tree, segs: string[]): void {
  let node = tree;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = node[segs[i]];
    if (next === true) return;
    node = node[segs[i]] = next ?? Object.create(null);
  }
  node[segs[segs.length - 1]] = true;
}

function include(v: unknown, tree: Tree): unknown {
  if (Array.isArray(v))
    return v.filter((e) => isPlainObject(e) || Array.isArray(e)).map((e) => include(e, tree));
  if (!isPlainObject(v)) return undefined;
  const out: Doc = {};
  for (const k of Object.keys(v)) {
    const node = tree[k];
    if (node === undefined) continue;
    if (node === true) out[k] = deepCopy(v[k]);
    else {
      const sub = include(v[k], node);
      if (sub !== undefined) out[k] = sub;
    }
  }
  return out;
}

function exclude(v: unknown, tree: Tree): unknown {
  if (Array.isArray(v))
    return v.map((e) => (isPlainObject(e) || Array.isArray(e) ? exclude(e, tree) : deepCopy(e)));
  if (!isPlainObject(v)) return deepCopy(v);
  const out: Doc = {};
  for (const k of Object.keys(v)) {
    const node = tree[k];
    if (node === true) continue;
    out[k] = node === undefined ? deepCopy(v[k]) : exclude(v[k], node);
  }
  return out;
}

function sliceArray(arr: unknown[], spec: unknown): unknown[] {
  if (Array.isArray(spec)) {
    const [skip, n] = spec.map(Number);
    const start = skip < 0 ? Math.max(arr.length + skip, 0) : skip;
    return arr.slice(start, start + Math.max(n, 0));
  }
  const n = Number(spec);
  return n >= 0 ? arr.slice(0, n) : arr.slice(n);
}

function setTop(out: Doc, segs: string[], value: unknown): void {
  let node = out;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = ownValue(node, segs[i]);
    if (!isPlainObject(next)) return;
    node = next;
  }
  node[segs[segs.length - 1]] = value;
}

function withIdFirst(doc: Doc): Doc {
  if (!('_id' in doc) || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

function isExpression(v: unknown): boolean {
  if (typeof v === 'string') return v.startsWith('$');
  if (!isPlainObject(v)) return false;
  return Object.keys(v).some((k) => k.startsWith('$') && k !== '$slice' && k !== '$elemMatch');
}

/**
 * The projection's entries with nested sub-projections written as dotted paths, as MongoDB reads them:
 * `{a: {b: 1, c: {$slice: 2}}}` is `{'a.b': 1, 'a.c': {$slice: 2}}`.
 */
function flatten(spec: Doc, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(spec)) {
    const path = prefix + k;
    if (isPlainObject(v) && !Object.keys(v).some((f) => f.startsWith('$'))) {
      if (Object.keys(v).length === 0)
        throw new MongoError(
          51270,
          'Location51270',
          `An empty sub-projection is not a valid value. Found empty object at path ${path}`,
        );
      flatten(v, `${path}.`, out);
    } else out.push([path, v]);
  }
  return out;
}

/** Compiles a projection document. */
export function compileProjection(spec: unknown): Projector {
  if (spec === undefined || spec === null) return identityCopy;
  if (!isPlainObject(spec)) throw mongoError('TypeMismatch', 'projection must be an object');
  const entries = flatten(spec);
  if (entries.length === 0) return identityCopy;
  if (entries.some(([, v]) => isExpression(v))) return expressionProjector(Object.fromEntries(entries));

  let idIncluded = true;
  let mode: 'include' | 'exclude' | undefined;
  const tree: Tree = Object.create(null);
  const slices: [string[], unknown][] = [];
  const elemMatches: [string, unknown][] = [];
  let positional: string | undefined;
  for (const [path, v] of entries) {
    if (isPlainObject(v) && '$slice' in v) {
      slices.push([splitPath(path), v.$slice]);
      continue;
    }
    if (isPlainObject(v) && '$elemMatch' in v) {
      elemMatches.push([path, v.$elemMatch]);
      mode ??= 'include';
      continue;
    }
    const n = isNumeric(v) ? Number(v) : v; // 0 / 1 of any numeric type
    const on =
      n === true || (typeof n === 'number' && n !== 0) || (n !== false && n !== 0 && !isPlainObject(n));
    if (path === '_id') {
      idIncluded = on;
      continue;
    }
    const want = on ? 'include' : 'exclude';
    if (mode && mode !== want && !(elemMatches.length && want === 'include'))
      throw new MongoError(
        31254,
        'Location31254',
        `Cannot do ${want === 'include' ? 'inclusion' : 'exclusion'} on field ${path} in ${mode === 'include' ? 'inclusion' : 'exclusion'} projection`,
      );
    mode = want;
    let p = path;
    if (p.endsWith('.$')) {
      p = p.slice(0, -2);
      positional = p;
    }
    addPath(tree, splitPath(p));
  }
  if (!idIncluded && mode === undefined && slices.length === 0) mode = 'exclude';
  // `{_id: 1}` alone is an inclusion projection: only `_id` comes back.
  if (idIncluded && mode === undefined && slices.length === 0 && entries.some(([p]) => p === '_id'))
    mode = 'include';
  if (mode === 'exclude' && !idIncluded) tree._id = true;
  for (const [path] of elemMatches) addPath(tree, splitPath(path));
  if (mode === 'include') for (const [segs] of slices) addPath(tree, segs);

  return (doc, filter) => {
    let out: Doc;
    if (mode === 'include') {
      out = include(doc, tree) as Doc;
      if (idIncluded && '_id' in doc) out = { _id: deepCopy(doc._id), ...out };
      else delete out._id;
    } else out = mode === 'exclude' ? (exclude(doc, tree) as Doc) : deepCopy(doc);
    if (positional) {
      const arr = getPath(doc, splitPath(positional));
      const i = Array.isArray(arr) ? matchedIndex(filter, positional, arr) : undefined;
      if (i === undefined)
        throw mongoError(
          'BadValue',
          'Executor error during find command :: positional operator did not find the match',
        );
      setTop(out, splitPath(positional), [deepCopy((arr as unknown[])[i])]);
    }
    for (const [path, cond] of elemMatches) {
      const arr = doc[path];
      const m =
        isPlainObject(cond) && Object.keys(cond).every((k) => k.startsWith('$')) && Object.keys(cond).length
          ? (e: unknown) => compileFilter({ v: cond }).test({ v: e })
          : (e: unknown) => isPlainObject(e) && compileFilter(cond).test(e);
      const hit = Array.isArray(arr) ? arr.find(m) : undefined;
      if (hit === undefined) delete out[path];
      else out[path] = [deepCopy(hit)];
    }
    for (const [segs, s] of slices) {
      const arr = getPath(out, segs);
      if (Array.isArray(arr)) setTop(out, segs, sliceArray(arr, s));
    }
    return out;
  };
}

function expressionProjector(spec: Doc): Projector {
  const agg = new Aggregator([{ $project: spec }], mingoOptions());
  return (doc) => {
    try {
      return withIdFirst(agg.run([deepCopy(doc)])[0] as Doc);
    } catch (e) {
      throw mongoError('BadValue', (e as Error).message);
    }
  };
}
