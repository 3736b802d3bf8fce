import type { Doc } from '../engine/types';
import { mongoError } from '../errors';

/** Where a resume token points: just after oplog entry `seq` (and whether it is an invalidate). */
export interface TokenPosition {
  seq: number;
  invalidate: boolean;
}

const VERSION = '01';

/**
 * A resume token `{_data: hex}`: a format byte, the oplog seq (16 hex digits, so tokens sort by position as
 * strings, like MongoDB's), and a flag byte set on invalidate events. Drivers treat it as opaque.
 */
export function encodeToken(seq: number, invalidate = false): Doc {
  return { _data: VERSION + seq.toString(16).padStart(16, '0') + (invalidate ? '01' : '00') };
}

/** Reads a token given to resumeAfter/startAfter; throws InvalidResumeToken for anything else. */
export function decodeToken(token: unknown): TokenPosition {
  const data = (token as { _data?: unknown } | null)?._data;
  if (typeof data === 'string' && /^01[0-9a-f]{16}0[01]$/.test(data)) {
    return { seq: parseInt(data.slice(2, 18), 16), invalidate: data.endsWith('1') };
  }
  throw mongoError('InvalidResumeToken', `invalid resume token ${JSON.stringify(token)}`);
}
