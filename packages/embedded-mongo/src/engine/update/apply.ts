/**
 * Applies parsed update operators to a private copy of a document, with MongoDB's path rules (fan-out by
 * `$[]` / `$[id]`, positional `$`, intermediate documents created, errors where a path runs into a scalar) and
 * records what changed for `nModified` and the oplog's `updateDescription`. Sub-documents the store says only
 * the stored version holds are changed in place (with an undo log) instead of copied: see in-place.ts.
 */
import type { Timestamp } from 'bson';
import { MongoError, mongoError } from '../../errors';
import { bsonTypeName, isNumeric, isPlainObject } from '../bson-types';
import { deepCopy, setField, shallowCopy } from '../clone';
import { bsonCompare, bsonEquals, identical } from '../compare';
import { compileFilter } from '../matcher';
import { addNumbers, bitwise, multiplyNumbers, zeroLike } from '../numbers';
import { getPath, isIndexSegment, ownValue } from '../paths';
import { matchedIndex } from '../positional';
import { parseSort, sortDocs } from '../sort';
import type { Doc } from '../types';
import { UndoLog, type InPlaceRules } from './in-place';
import type { ElementTest, UpdateOp } from './parse';

/** What an update needs besides the document. */
export interface ApplyContext {
  /** The statement's filter: the positional `$` resolves against it. */
  filter?: Doc;
  /** True when building an upserted document (`$setOnInsert` applies, `$` cannot). */
  isInsert: boolean;
  now: Date;
  /** A fresh Timestamp for `$currentDate: {$type: 'timestamp'}`. */
  timestamp: () => Timestamp;
  arrayFilters: Map<string, ElementTest>;
  /** Which sub-documents of the stored version this update may change in place (none when absent). */
  inPlace?: InPlaceRules;
}

/** Paths changed by an update, as change streams report them. */
export interface ChangeSet {
  changed: boolean;
  updated: Record<string, unknown>;
  removed: string[];
  /** Containers this update created (copies on changed paths): only the new version holds them. */
  fresh: Set<object>;
  /** Old values of what was changed in place; undefined when nothing was. */
  undo?: UndoLog;
  /** A `$rename` moved a value, which may hold containers the store thought only it held. */
  moved: boolean;
}

type Container = Doc | unknown[];
type Leaf = (a: Applier, c: Container, key: string, path: string, op: UpdateOp) => void;

function summary(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s && s.length > 80 ? s.slice(0, 77) + '...' : String(s);
  } catch {
    return String(v);
  }
}

function get(c: Container, key: string): unknown {
  return Array.isArray(c) ? c[Number(key)] : ownValue(c, key);
}

function has(c: Container, key: string): boolean {
  return Array.isArray(c) ? Number(key) < c.length : Object.prototype.hasOwnProperty.call(c, key);
}

function put(c: Container, key: string, value: unknown): void {
  if (Array.isArray(c)) {
    const i = Number(key);
    while (c.length < i) c.push(null);
    c[i] = value;
  } else setField(c, key, value);
}

const CREATES = new Set([
  '$set',
  '$setOnInsert',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$currentDate',
  '$push',
  '$addToSet',
  '$bit',
]);

class Applier {
  /** Containers created by this update (safe to change); every other container belongs to the old version. */
  readonly fresh = new Set<object>();
  readonly changes: ChangeSet = { changed: false, updated: {}, removed: [], fresh: this.fresh, moved: false };
  /** Containers of the stored version changed in place, each change logged first. */
  private readonly inPlace = new Set<object>();
  /** Paths of documents that lose a field: changed on a copy, since an undo could not restore field order. */
  private readonly losing: Set<string>;
  /**
   * The element the query matched in each array a positional `$` addresses, by the array's path, computed from
   * the document before any change: setting `children.$.name` must not move the `$` of `children.$.updatedAt`.
   */
  private readonly matched = new Map<string, number | undefined>();

  constructor(
    readonly ctx: ApplyContext,
    readonly id: unknown,
    ops: UpdateOp[],
  ) {
    this.losing = new Set();
    if (ctx.inPlace)
      for (const op of ops)
        if (op.op === '$unset' || op.op === '$rename') this.losing.add(op.segs.slice(0, -1).join('.'));
  }

  /** Resolves every positional `$` against the document as the query matched it (before any change). */
  resolvePositional(doc: Doc, ops: UpdateOp[]): void {
    if (this.ctx.isInsert) return;
    for (const op of ops) {
      const i = op.segs.indexOf('$');
      if (i <= 0) continue;
      const prefix = op.segs.slice(0, i);
      if (prefix.some((s) => s.startsWith('$['))) continue;
      const path = prefix.join('.');
      if (this.matched.has(path)) continue;
      const arr = getPath(doc, prefix);
      this.matched.set(path, Array.isArray(arr) ? matchedIndex(this.ctx.filter, path, arr) : undefined);
    }
  }

  /** `c[key] = value`, logging the old value first when `c` belongs to the stored version. */
  put(c: Container, key: string, value: unknown): void {
    if (this.inPlace.has(c)) (this.changes.undo ??= new UndoLog()).record(c as Doc, key);
    put(c, key, value);
  }

  /** Deletes a field; never from a container changed in place (`losing` keeps those on copies). */
  remove(c: Doc, key: string): void {
    if (this.inPlace.has(c))
      throw new Error('internal error: field removed from a document changed in place');
    delete c[key];
  }

  setValue(c: Container, key: string, path: string, value: unknown): void {
    if (has(c, key) && identical(get(c, key), value)) return;
    this.put(c, key, value);
    this.changes.changed = true;
    this.changes.updated[path] = value;
  }

  typeError(op: string, key: string, old: unknown): MongoError {
    return mongoError(
      'TypeMismatch',
      `Cannot apply ${op} to a value of non-numeric type. {_id: ${summary(this.id)}} has the field '${key}' of non-numeric type ${bsonTypeName(old)}`,
    );
  }

  /** The result of `$inc` / `$mul`; undefined (an int64 overflow) is MongoDB's BadValue. */
  checked(op: string, old: unknown, result: unknown): unknown {
    if (result !== undefined) return result;
    throw mongoError(
      'BadValue',
      `Failed to apply ${op} operations to current value ((${bsonTypeName(old) === 'long' ? 'NumberLong' : bsonTypeName(old)})${String(old)}) for document {_id: ${summary(this.id)}}`,
    );
  }

  arrayAt(c: Container, key: string): unknown[] {
    const arr = get(c, key);
    if (arr === undefined) return [];
    if (!Array.isArray(arr))
      throw mongoError(
        'BadValue',
        `The field '${key}' must be an array but is of type ${bsonTypeName(arr)} in document {_id: ${summary(this.id)}}`,
      );
    return arr;
  }

  /** Applies `leaf` at every target of `segs` below `node`. */
  walk(node: Container, op: UpdateOp, i: number, path: string, create: boolean, leaf: Leaf): void {
    const seg = op.segs[i];
    const last = i === op.segs.length - 1;
    const here = path === '' ? seg : `${path}.${seg}`;
    if (seg.charCodeAt(0) === 36 /* $ */ && (seg === '$' || seg.startsWith('$['))) {
      if (!Array.isArray(node)) {
        if (!create) return;
        throw mongoError(
          'BadValue',
          `The path '${op.segs.slice(0, i).join('.')}' must exist in the document in order to apply array updates.`,
        );
      }
      for (const idx of this.positions(node, op, i)) {
        const p = path === '' ? String(idx) : `${path}.${idx}`;
        if (last) leaf(this, node, String(idx), p, op);
        else this.descend(node, String(idx), op, i, p, create, leaf);
      }
      return;
    }
    if (Array.isArray(node) && !isIndexSegment(seg)) {
      if (!create) return;
      throw mongoError(
        'PathNotViable',
        `Cannot create field '${seg}' in element {${op.segs[i - 1] ?? ''}: ${summary(node)}}`,
      );
    }
    if (last) leaf(this, node, seg, here, op);
    else this.descend(node, seg, op, i, here, create, leaf);
  }

  private descend(
    node: Container,
    key: string,
    op: UpdateOp,
    i: number,
    path: string,
    create: boolean,
    leaf: Leaf,
  ): void {
    let child = get(node, key);
    if (child === undefined) {
      if (!create) return;
      const next = op.segs[i + 1];
      if (next === '$' || next.startsWith('$['))
        throw mongoError(
          'BadValue',
          `The path '${path}' must exist in the document in order to apply array updates.`,
        );
      child = {};
      this.put(node, key, child);
      this.fresh.add(child as object);
    } else if (!isPlainObject(child) && !Array.isArray(child)) {
      if (!create) return;
      throw mongoError(
        'PathNotViable',
        `Cannot create field '${op.segs[i + 1]}' in element {${key}: ${summary(child)}}`,
      );
    } else if (!this.fresh.has(child) && !this.inPlace.has(child)) {
      if (this.mayChangeInPlace(child, path)) this.inPlace.add(child);
      else {
        // Copy-on-write: containers of the old version are shared, so copy one before changing it.
        child = Array.isArray(child) ? child.slice() : shallowCopy(child as Doc);
        this.put(node, key, child);
        this.fresh.add(child as object);
      }
    }
    this.walk(child as Container, op, i + 1, path, create, leaf);
  }

  private mayChangeInPlace(child: object, path: string): boolean {
    const rules = this.ctx.inPlace;
    return (
      rules !== undefined && isPlainObject(child) && !this.losing.has(path) && rules.mayChange(child, path)
    );
  }

  private positions(arr: unknown[], op: UpdateOp, i: number): number[] {
    const seg = op.segs[i];
    if (seg === '$') {
      if (this.ctx.isInsert || i === 0)
        throw mongoError('BadValue', 'The positional operator did not find the match needed from the query.');
      const path = op.segs.slice(0, i).join('.');
      const idx = this.matched.has(path) ? this.matched.get(path) : matchedIndex(this.ctx.filter, path, arr);
      if (idx === undefined)
        throw mongoError('BadValue', 'The positional operator did not find the match needed from the query.');
      return [idx];
    }
    if (seg === '$[]') return arr.map((_, j) => j);
    const test = this.ctx.arrayFilters.get(seg.slice(2, -1))!;
    const out: number[] = [];
    for (let j = 0; j < arr.length; j++) if (test(arr[j])) out.push(j);
    return out;
  }

  rename(doc: Doc, op: UpdateOp): void {
    const target = String(op.value);
    let value: unknown;
    let found = false;
    const src: UpdateOp = { ...op, op: '$unset' };
    this.walk(doc, src, 0, '', false, (_a, c, key, path) => {
      if (Array.isArray(c))
        throw mongoError('BadValue', `The source field cannot be an array element, '${op.path}'`);
      if (!has(c, key)) return;
      found = true;
      value = c[key];
      this.remove(c, key);
      this.changes.moved = true;
      this.changes.changed = true;
      this.changes.removed.push(path);
    });
    if (!found) return;
    const dst: UpdateOp = { op: '$set', path: target, segs: target.split('.'), value };
    this.walk(doc, dst, 0, '', true, (_a, c, key, path) => {
      if (Array.isArray(c))
        throw mongoError('BadValue', `The destination field cannot be an array element, '${target}'`);
      this.put(c, key, value);
      this.changes.updated[path] = value;
    });
  }

  apply(doc: Doc, ops: UpdateOp[]): void {
    for (const op of ops) {
      if (op.op === '$setOnInsert' && !this.ctx.isInsert) continue;
      if (op.op === '$rename') this.rename(doc, op);
      else this.walk(doc, op, 0, '', CREATES.has(op.op), LEAVES[op.op]);
    }
  }
}

const LEAVES: Record<string, Leaf> = {
  $set: (a, c, key, path, op) => a.setValue(c, key, path, deepCopy(op.value)),
  $setOnInsert: (a, c, key, path, op) => a.setValue(c, key, path, deepCopy(op.value)),
  $unset: (a, c, key, path) => {
    if (!has(c, key)) return;
    if (Array.isArray(c)) return a.setValue(c, key, path, null);
    a.remove(c, key);
    a.changes.changed = true;
    a.changes.removed.push(path);
  },
  $inc: (a, c, key, path, op) => {
    const old = get(c, key);
    if (old === undefined) return a.setValue(c, key, path, op.value);
    if (!isNumeric(old)) throw a.typeError('$inc', key, old);
    a.setValue(c, key, path, a.checked('$inc', old, addNumbers(old, op.value, true)));
  },
  $mul: (a, c, key, path, op) => {
    const old = get(c, key);
    if (old === undefined) return a.setValue(c, key, path, zeroLike(op.value));
    if (!isNumeric(old)) throw a.typeError('$mul', key, old);
    a.setValue(c, key, path, a.checked('$mul', old, multiplyNumbers(old, op.value, true)));
  },
  $min: (a, c, key, path, op) => {
    const old = get(c, key);
    if (old === undefined || bsonCompare(op.value, old) < 0) a.setValue(c, key, path, deepCopy(op.value));
  },
  $max: (a, c, key, path, op) => {
    const old = get(c, key);
    if (old === undefined || bsonCompare(op.value, old) > 0) a.setValue(c, key, path, deepCopy(op.value));
  },
  $currentDate: (a, c, key, path, op) => {
    const ts = isPlainObject(op.value) && op.value.$type === 'timestamp';
    a.setValue(c, key, path, ts ? a.ctx.timestamp() : new Date(a.ctx.now.getTime()));
  },
  $bit: (a, c, key, path, op) => {
    let v: unknown = get(c, key) ?? 0;
    for (const [how, operand] of Object.entries(op.value as Doc)) {
      const r = bitwise(v, operand, how as 'and' | 'or' | 'xor');
      if (r === undefined)
        throw mongoError(
          'BadValue',
          `Cannot apply $bit to a value of non-integral type. {_id: ${summary(a.id)}} has the field '${key}' of non-integer type ${bsonTypeName(v)}`,
        );
      v = r;
    }
    a.setValue(c, key, path, v);
  },
  $push: (a, c, key, path, op) => {
    const arr = a.arrayAt(c, key);
    const spec = pushSpec(op.value);
    let next = arr.slice();
    const items = spec.each.map((e) => deepCopy(e));
    if (spec.position === undefined) next.push(...items);
    else {
      const p =
        spec.position < 0 ? Math.max(next.length + spec.position, 0) : Math.min(spec.position, next.length);
      next.splice(p, 0, ...items);
    }
    if (spec.sort !== undefined) next = sortElements(next, spec.sort);
    if (spec.slice !== undefined) next = spec.slice >= 0 ? next.slice(0, spec.slice) : next.slice(spec.slice);
    a.setValue(c, key, path, next);
  },
  $addToSet: (a, c, key, path, op) => {
    const arr = a.arrayAt(c, key);
    const v = op.value;
    let each: unknown[] = [v];
    if (isPlainObject(v) && '$each' in v) {
      if (!Array.isArray(v.$each))
        throw mongoError(
          'TypeMismatch',
          `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeName(v.$each)}`,
        );
      each = v.$each;
    }
    const next = arr.slice();
    for (const e of each) if (!next.some((x) => bsonEquals(x, e))) next.push(deepCopy(e));
    if (next.length !== arr.length || !has(c, key)) a.setValue(c, key, path, next);
  },
  $pop: (a, c, key, path, op) => {
    const arr = get(c, key);
    if (arr === undefined) return;
    if (!Array.isArray(arr))
      throw mongoError(
        'TypeMismatch',
        `Path '${path}' contains an element of non-array type '${bsonTypeName(arr)}'`,
      );
    if (arr.length === 0) return;
    a.setValue(c, key, path, Number(op.value) === 1 ? arr.slice(0, -1) : arr.slice(1));
  },
  $pull: (a, c, key, path, op) => {
    const arr = get(c, key);
    if (arr === undefined) return;
    if (!Array.isArray(arr)) throw mongoError('BadValue', 'Cannot apply $pull to a non-array value');
    const m = pullMatcher(op.value);
    const next = arr.filter((e) => !m(e));
    if (next.length !== arr.length) a.setValue(c, key, path, next);
  },
  $pullAll: (a, c, key, path, op) => {
    const arr = get(c, key);
    if (arr === undefined) return;
    if (!Array.isArray(arr)) throw mongoError('BadValue', 'Cannot apply $pullAll to a non-array value');
    const values = op.value as unknown[];
    const next = arr.filter((e) => !values.some((v) => bsonEquals(e, v)));
    if (next.length !== arr.length) a.setValue(c, key, path, next);
  },
};

function pushSpec(v: unknown): { each: unknown[]; position?: number; slice?: number; sort?: unknown } {
  if (!isPlainObject(v) || !('$each' in v)) return { each: [v] };
  for (const k of Object.keys(v))
    if (!['$each', '$slice', '$sort', '$position'].includes(k))
      throw mongoError('BadValue', `Unrecognized clause in $push: ${k}`);
  if (!Array.isArray(v.$each))
    throw mongoError(
      'BadValue',
      `The argument to $each in $push must be an array but it was of type: ${bsonTypeName(v.$each)}`,
    );
  const num = (name: string, x: unknown): number | undefined => {
    if (x === undefined) return undefined;
    if (!isNumeric(x) || !Number.isInteger(Number(x)))
      throw mongoError(
        'BadValue',
        `The value for ${name} must be an integer value but was given type: ${bsonTypeName(x)}`,
      );
    return Number(x);
  };
  return {
    each: v.$each,
    position: num('$position', v.$position),
    slice: num('$slice', v.$slice),
    sort: v.$sort,
  };
}

function sortElements(arr: unknown[], spec: unknown): unknown[] {
  if (spec === 1 || spec === -1) {
    const dir = spec;
    return arr
      .map((v, i) => ({ v, i }))
      .sort((a, b) => bsonCompare(a.v, b.v) * dir || a.i - b.i)
      .map((x) => x.v);
  }
  if (!isPlainObject(spec))
    throw mongoError(
      'BadValue',
      'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields',
    );
  return sortDocs(arr, parseSort(spec), (e) => (isPlainObject(e) ? e : {}));
}

function pullMatcher(cond: unknown): (e: unknown) => boolean {
  if (isPlainObject(cond)) {
    const keys = Object.keys(cond);
    if (
      keys.length > 0 &&
      keys.every((k) => k.startsWith('$') && k !== '$and' && k !== '$or' && k !== '$nor')
    ) {
      const m = compileFilter({ v: cond });
      return (e) => m.test({ v: e });
    }
    const m = compileFilter(cond);
    return (e) => isPlainObject(e) && m.test(e);
  }
  return (e) => bsonEquals(e, cond);
}

/**
 * Applies operator updates to `doc`, a shallow copy of the old version whose nested containers are still
 * shared with it: they are copied before being changed, unless `ctx.inPlace` lets the update change them in
 * place. Returns what changed; on an error, what was changed in place is undone first.
 */
export function applyOperators(doc: Doc, ops: UpdateOp[], ctx: ApplyContext): ChangeSet {
  const a = new Applier(ctx, doc._id, ops);
  a.fresh.add(doc);
  try {
    a.resolvePositional(doc, ops);
    a.apply(doc, ops);
  } catch (e) {
    a.changes.undo?.undo();
    throw e;
  }
  return a.changes;
}
