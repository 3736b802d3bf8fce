/**
 * Parses an update document once per statement: replacement, pipeline, or operators. Validates operator
 * names and arguments, conflicting paths (code 40) and array filters, as MongoDB does before touching data.
 */
import { Codes, MongoError, mongoError } from '../../errors';
import { isNumeric, isPlainObject } from '../bson-types';
import { compileFilter } from '../matcher';
import { splitPath } from '../paths';
import type { Doc } from '../types';

/** Update operators the engine implements. */
export const UPDATE_OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$rename',
  '$currentDate',
  '$bit',
]);

const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** One operator applied to one path. */
export interface UpdateOp {
  op: string;
  path: string;
  segs: string[];
  value: unknown;
}

/** An element test of an array filter identifier. */
export type ElementTest = (elem: unknown) => boolean;

/** An update statement, parsed and validated. */
export type ParsedUpdate =
  | { kind: 'replace'; doc: Doc }
  | { kind: 'pipeline'; pipeline: Doc[] }
  | { kind: 'ops'; ops: UpdateOp[]; arrayFilters: Map<string, ElementTest>; positional: boolean };

function conflict(a: string, b: string): MongoError {
  return mongoError(
    'ConflictingUpdateOperators',
    `Updating the path '${b}' would create a conflict at '${a}'`,
  );
}

/** Fails with code 40 when one path is a prefix of (or equal to) another. */
function checkConflicts(ops: UpdateOp[]): void {
  const paths = ops.map((o) => o.path);
  for (const o of ops) if (o.op === '$rename') paths.push(String(o.value));
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a === b || b.startsWith(a + '.')) throw conflict(a, b);
  }
}

function validateArgument(op: string, path: string, value: unknown): void {
  switch (op) {
    case '$inc':
    case '$mul':
      if (!isNumeric(value))
        throw mongoError(
          'TypeMismatch',
          `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(value)}}`,
        );
      break;
    case '$pop':
      if (!isNumeric(value) || (Number(value) !== 1 && Number(value) !== -1))
        throw mongoError('FailedToParse', `$pop expects 1 or -1, found: ${JSON.stringify(value)}`);
      break;
    case '$pullAll':
      if (!Array.isArray(value))
        throw mongoError('BadValue', `$pullAll requires an array argument but was given a ${typeof value}`);
      break;
    case '$rename':
      if (typeof value !== 'string')
        throw mongoError(
          'BadValue',
          `The 'to' field for $rename must be a string: ${path}: ${String(value)}`,
        );
      if (value === path)
        throw mongoError(
          'BadValue',
          `The source and target field for $rename must differ: ${path}: "${value}"`,
        );
      if (path.includes('$') || value.includes('$'))
        throw mongoError('BadValue', `The source and target field for $rename must not be positional`);
      break;
    case '$currentDate':
      if (
        value !== true &&
        value !== false &&
        !(isPlainObject(value) && (value.$type === 'date' || value.$type === 'timestamp'))
      )
        throw mongoError(
          'BadValue',
          `${JSON.stringify(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      break;
    case '$bit':
      if (
        !isPlainObject(value) ||
        Object.keys(value).length === 0 ||
        Object.keys(value).some((k) => !['and', 'or', 'xor'].includes(k))
      )
        throw mongoError(
          'BadValue',
          `The $bit modifier only supports 'and', 'or', and 'xor', not: ${JSON.stringify(value)}`,
        );
      break;
    default:
      break;
  }
}

function compileArrayFilters(filters: unknown): Map<string, ElementTest> {
  const out = new Map<string, ElementTest>();
  if (filters === undefined || filters === null) return out;
  if (!Array.isArray(filters)) throw mongoError('TypeMismatch', 'arrayFilters must be an array');
  for (const f of filters) {
    if (!isPlainObject(f) || Object.keys(f).length === 0)
      throw mongoError(
        'FailedToParse',
        'Cannot use an expression without a top-level field name in arrayFilters',
      );
    let id: string | undefined;
    const rewrite = (cond: Doc): Doc => {
      const r: Doc = {};
      for (const [k, v] of Object.entries(cond)) {
        if (k === '$and' || k === '$or' || k === '$nor') {
          r[k] = (v as Doc[]).map(rewrite);
          continue;
        }
        const dot = k.indexOf('.');
        const head = dot < 0 ? k : k.slice(0, dot);
        if (id !== undefined && head !== id)
          throw mongoError(
            'FailedToParse',
            `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${id}' and '${head}'`,
          );
        id = head;
        r[dot < 0 ? 'e' : `e${k.slice(dot)}`] = v;
      }
      return r;
    };
    const cond = rewrite(f);
    if (id === undefined || !/^[a-z][a-zA-Z0-9]*$/.test(id))
      throw mongoError(
        'BadValue',
        `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`,
      );
    if (out.has(id))
      throw mongoError(
        'FailedToParse',
        `Found multiple array filters with the same top-level field name ${id}`,
      );
    const m = compileFilter(cond);
    out.set(id, (elem) => m.test({ e: elem }));
  }
  return out;
}

/** True for a field name starting with `$` that is not a positional operator (`$`, `$[]`, `$[id]`). */
export function isDollarField(seg: string): boolean {
  return seg.charCodeAt(0) === 36 /* $ */ && seg !== '$' && !/^\$\[[^\]]*\]$/.test(seg);
}

/**
 * MongoDB's storage rule for operator updates of an existing document (5.0+): the field an operator writes
 * may not be a top-level `$`-prefixed name (`$set: {$x: 1}`); deeper ones (`$set: {'a.$b': 1}`) and values
 * holding `$`-prefixed names are allowed, and an upsert's insert may write any (it is validated as an insert).
 */
export function checkTopLevelDollar(ops: UpdateOp[]): void {
  for (const o of ops)
    if (o.op !== '$unset' && o.op !== '$setOnInsert' && isDollarField(o.segs[0]))
      throw new MongoError(
        Codes.DollarPrefixedFieldName,
        'DollarPrefixedFieldName',
        `The dollar ($) prefixed field '${o.segs[0]}' in '${o.path}' is not valid for storage.`,
      );
}

/** Parses the `u` / `update` of a statement. */
export function parseUpdate(u: unknown, arrayFilters?: unknown): ParsedUpdate {
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !PIPELINE_STAGES.has(name))
        throw mongoError('InvalidOptions', `${name ?? 'stage'} is not allowed to be used within an update`);
    }
    return { kind: 'pipeline', pipeline: u as Doc[] };
  }
  if (!isPlainObject(u))
    throw mongoError('FailedToParse', 'Update argument must be either an object or an array');
  const keys = Object.keys(u);
  if (keys.length === 0 || !keys[0].startsWith('$')) {
    for (const k of keys)
      if (k.startsWith('$'))
        throw new MongoError(
          Codes.DollarPrefixedFieldName,
          'DollarPrefixedFieldName',
          `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
    return { kind: 'replace', doc: u };
  }
  const ops: UpdateOp[] = [];
  for (const op of keys) {
    if (!UPDATE_OPERATORS.has(op))
      throw mongoError(
        'FailedToParse',
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    const spec = u[op];
    if (!isPlainObject(spec))
      throw mongoError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${Array.isArray(spec) ? 'array' : typeof spec} instead. For example: {$mod: {<field>: ...}} not {${op}: ${JSON.stringify(spec)}}`,
      );
    for (const [path, value] of Object.entries(spec)) {
      if (path === '' || path.startsWith('.') || path.endsWith('.') || path.includes('..'))
        throw new MongoError(56, 'EmptyFieldName', `An empty update path is not valid.`);
      validateArgument(op, path, value);
      const segs = splitPath(path);
      ops.push({ op, path, segs, value });
    }
  }
  checkConflicts(ops);
  const filters = compileArrayFilters(arrayFilters);
  const used = new Set<string>();
  let positional = false;
  for (const o of ops)
    for (const s of o.segs) {
      if (s === '$') positional = true;
      const m = /^\$\[([^\]]*)\]$/.exec(s);
      if (m && m[1] !== '') {
        if (!filters.has(m[1]))
          throw mongoError('BadValue', `No array filter found for identifier '${m[1]}' in path '${o.path}'`);
        used.add(m[1]);
      }
    }
  for (const id of filters.keys())
    if (!used.has(id))
      throw mongoError('FailedToParse', `The array filter for identifier '${id}' was not used in the update`);
  // MongoDB applies modifications in field-name order (its update tree is an ordered map).
  ops.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { kind: 'ops', ops, arrayFilters: filters, positional };
}
