/**
 * `let` variables of find, aggregate, update, delete and findAndModify: each value is an aggregation expression
 * evaluated once, before the command runs (`{$literal: "$x"}` is the string "$x"); the command's filters,
 * pipelines and updates then read them as `$$name`.
 */
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import { asMongoError } from './matcher';
import { mingoOptions } from './mingo-context';
import type { Doc } from './types';

/** A user variable name: a lowercase ASCII letter or a non-ASCII character first, then letters, digits, `_`. */
function validName(name: string): boolean {
  const first = name.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || first > 127)) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = c > 127 || c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!ok) return false;
  }
  return true;
}

/** Evaluates a command's `let` document; undefined when there is none. */
export function evaluateLet(raw: unknown): Doc | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw))
    throw mongoError('TypeMismatch', "BSON field 'let' is the wrong type, expected object");
  const out: Doc = {};
  const options = mingoOptions() as Options;
  for (const [name, expr] of Object.entries(raw)) {
    if (!validName(name))
      throw mongoError(
        'FailedToParse',
        `'${name}' starts with an invalid character for a user variable name`,
      );
    try {
      out[name] = evalExpr({}, expr, options);
    } catch (e) {
      throw asMongoError(e);
    }
  }
  return out;
}
