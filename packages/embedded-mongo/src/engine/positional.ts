/**
 * The positional `$`: the index of the array element the query matched, for `arr.$` in updates and in find
 * projections. As in MongoDB, the last query condition on the array that matched an element decides.
 */
import { isPlainObject } from './bson-types';
import { compileFilter } from './matcher';
import type { Doc } from './types';

interface ArrayCondition {
  rest: string;
  cond: unknown;
}

function conditionsOn(filter: Doc, arrayPath: string, out: ArrayCondition[]): void {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainObject(sub)) conditionsOn(sub, arrayPath, out);
    } else if (key === arrayPath) out.push({ rest: '', cond });
    else if (key.startsWith(arrayPath + '.')) out.push({ rest: key.slice(arrayPath.length + 1), cond });
  }
}

function isOperatorObject(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));
}

function elementMatches(elem: unknown, c: ArrayCondition): boolean {
  if (c.rest === '') {
    if (isPlainObject(c.cond) && '$elemMatch' in c.cond) {
      const inner = c.cond.$elemMatch;
      if (isOperatorObject(inner)) return compileFilter({ v: inner }).test({ v: elem });
      return isPlainObject(elem) && compileFilter(inner).test(elem);
    }
    return compileFilter({ v: c.cond }).test({ v: elem });
  }
  return isPlainObject(elem) && compileFilter({ [c.rest]: c.cond }).test(elem);
}

/** The matched element's index in `arr` (at `arrayPath` of the document), or undefined. */
export function matchedIndex(filter: Doc | undefined, arrayPath: string, arr: unknown[]): number | undefined {
  if (!filter) return undefined;
  const conds: ArrayCondition[] = [];
  conditionsOn(filter, arrayPath, conds);
  let found: number | undefined;
  for (const c of conds) {
    const i = arr.findIndex((e) => elementMatches(e, c));
    if (i >= 0) found = i;
  }
  return found;
}
