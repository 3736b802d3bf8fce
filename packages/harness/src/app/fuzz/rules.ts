import type { Fixtures, FuzzRequest } from './http-cases';

/** What the rules read of an answer. */
export interface RuleAnswer {
  status: number;
  text: string;
  allow: string | null;
}

/** Above this, an `x-pad` header alone takes the request over Node's 16 kB header limit. */
const OVER_HEADER_LIMIT = 17_000;

/** The fuzzer's own reading of a client time (independent of the server's): offset required, real calendar. */
export function isRealInstant(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-](\d\d):(\d\d))$/.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  utc.setUTCFullYear(y);
  const sameFields =
    utc.getUTCMonth() === mo - 1 &&
    utc.getUTCDate() === d &&
    utc.getUTCHours() === h &&
    utc.getUTCMinutes() === mi;
  return sameFields && s < 60 && (m[7] === 'Z' || (Number(m[8]) < 24 && Number(m[9]) < 60));
}

/** True when a parsed JSON value has a `__proto__`, `constructor` or `prototype` own key anywhere. */
function hasPrototypeKey(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 200) return false;
  return Object.keys(value).some(
    (key) =>
      key === '__proto__' ||
      key === 'constructor' ||
      key === 'prototype' ||
      hasPrototypeKey((value as Record<string, unknown>)[key], depth + 1),
  );
}

function parsed(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The hardening rules, checked on every answer: oversized headers are 431; a known path with another method is
 * 405 with Allow; a body that is not application/json is 415 (after a 405, which comes first); a prototype key is
 * never accepted; a created sale or round had a real client time; a leaderboard pages only with the exact cursor
 * it issued. Returns what is wrong, or null.
 */
export function ruleProblem(req: FuzzRequest, res: RuleAnswer, fixtures: Fixtures): string | null {
  if ((req.headers['x-pad']?.length ?? 0) > OVER_HEADER_LIMIT) {
    return res.status === 431 && parsed(res.text) !== undefined ? null : 'headers over the limit, not 431';
  }
  if (req.allowed && !req.allowed.includes(req.method)) {
    if (res.status !== 405) return `${req.method} is not served here, yet not 405`;
    const allow = (res.allow ?? '').split(', ');
    if (!req.allowed.every((m) => allow.includes(m))) return `Allow "${res.allow}" lacks a served method`;
    return null;
  }
  if (res.status === 405 && (!res.allow || res.allow.split(', ').includes(req.method))) {
    return '405 without an Allow header that excludes the method';
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // 405 comes first: a path normalised by the client (`/a/./b`) may land on another route's path.
  if (req.body && type !== 'application/json' && res.status !== 415 && res.status !== 405) {
    return 'a non-JSON body was not 415';
  }
  const ok = res.status >= 200 && res.status < 300;
  if (ok && type === 'application/json' && hasPrototypeKey(parsed(req.body)))
    return 'a prototype key was accepted';
  if (res.status === 201 && req.method === 'POST' && (req.route === 'sale' || req.route === 'round')) {
    const startsAt = (parsed(req.body) as { startsAt?: unknown } | undefined)?.startsAt;
    if (!isRealInstant(startsAt)) return `created with startsAt ${JSON.stringify(startsAt)}`;
  }
  if (ok && req.method === 'GET' && req.route === 'leaderboard') {
    const cursors = new URLSearchParams(req.path.split('?')[1] ?? '').getAll('cursor');
    if (cursors.some((c) => c !== fixtures.cursor) || cursors.length > 1)
      return 'paged with a cursor not issued';
  }
  return null;
}
