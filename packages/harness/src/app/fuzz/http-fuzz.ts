import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import type { Db } from 'mongodb';
import { ERROR_STATUS } from '../../../../../server/errors';
import { requestArbitrary, type Fixtures, type FuzzRequest } from './http-cases';
import { ruleProblem } from './rules';

/** No answer may take longer than this. */
export const FUZZ_ANSWER_BOUND_MS = 5000;

/** What a fuzz run saw. */
export interface FuzzStats {
  requests: number;
  /** Requests the client itself could not send (e.g. a header value fetch refuses); not counted as requests. */
  unsendable: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  /** Purchases answered 201 again for a repeated Idempotency-Key (same purchase, nothing bought). */
  replays: number;
  slowestMs: number;
}

/** Everything a request could change: each sale's stock and counters, and the size of every collection. */
async function fingerprint(db: Db): Promise<string> {
  const sales = await db
    .collection('sales')
    .find(
      {},
      { projection: { units: 1, remaining: 1, sold: 1, orders: 1, round: 1, version: 1, startsAt: 1 } },
    )
    .sort({ _id: 1 })
    .toArray();
  const counts = await Promise.all(
    ['purchases', 'users', 'products', 'sales'].map((name) => db.collection(name).countDocuments({})),
  );
  return JSON.stringify({ sales, counts });
}

/** sold + remaining == units for every sale (read straight from the database). */
async function stockAddsUp(db: Db): Promise<string | null> {
  const sales = await db
    .collection('sales')
    .find({}, { projection: { units: 1, remaining: 1, sold: 1 } })
    .toArray();
  const bad = sales.find((s) => s.sold + s.remaining !== s.units);
  return bad
    ? `sale ${String(bad._id)}: sold ${bad.sold} + remaining ${bad.remaining} != ${bad.units}`
    : null;
}

/** Sends one request; null when the client refuses to send it (a header fetch will not encode). */
async function send(baseUrl: string, req: FuzzRequest) {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(baseUrl + req.path, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(FUZZ_ANSWER_BOUND_MS),
    });
  } catch (error) {
    // fetch refuses some header values before sending anything; a network failure is "fetch failed".
    if (error instanceof TypeError && error.message !== 'fetch failed') return null;
    throw new Error(`no answer within ${FUZZ_ANSWER_BOUND_MS} ms or connection lost`, { cause: error });
  }
  const text = await res.text();
  return {
    status: res.status,
    text,
    allow: res.headers.get('allow'),
    type: res.headers.get('content-type') ?? '',
    ms: performance.now() - started,
  };
}

/** Describes a request for a failure message (bodies cut short). */
function describe(req: FuzzRequest): string {
  const headers = {
    ...req.headers,
    ...(req.headers['x-pad'] ? { 'x-pad': `(${req.headers['x-pad'].length} bytes)` } : {}),
  };
  return JSON.stringify({ ...req, headers, path: req.path.slice(0, 300), body: req.body?.slice(0, 300) });
}

/**
 * Property: whatever the request, the server answers within the bound, never with a 5xx; every error is the
 * contract's `{error: {code, message}}` with the status of its code; a refused request changes nothing in the
 * database; a repeated Idempotency-Key answers the same purchase and buys nothing; stock always adds up.
 */
export async function fuzzHttp(
  baseUrl: string,
  db: Db,
  fixtures: Fixtures,
  options: { numRuns: number; seed?: number },
): Promise<FuzzStats> {
  const stats: FuzzStats = {
    requests: 0,
    unsendable: 0,
    byStatus: {},
    byRoute: {},
    replays: 0,
    slowestMs: 0,
  };
  const purchases = new Map<string, string>();
  await fc.assert(
    fc.asyncProperty(requestArbitrary(fixtures), async (req) => {
      const before = await fingerprint(db);
      const res = await send(baseUrl, req);
      if (!res) {
        stats.unsendable += 1;
        return;
      }
      stats.requests += 1;
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      stats.byRoute[req.route] = (stats.byRoute[req.route] ?? 0) + 1;
      stats.slowestMs = Math.max(stats.slowestMs, res.ms);
      const what = `${res.status} ${res.text.slice(0, 300)} for ${describe(req)}`;
      if (res.status >= 500) throw new Error(`server error: ${what}`);
      if (res.ms > FUZZ_ANSWER_BOUND_MS) throw new Error(`slow answer (${Math.round(res.ms)} ms): ${what}`);
      const broken = ruleProblem(req, res, fixtures);
      if (broken) throw new Error(`${broken}: ${what}`);
      if (res.status >= 400) {
        if (!res.type.includes('application/json')) throw new Error(`error without a JSON body: ${what}`);
        const code = (JSON.parse(res.text) as { error?: { code?: string } }).error?.code;
        if (!code || ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== res.status) {
          throw new Error(`error code does not match its status: ${what}`);
        }
        if ((await fingerprint(db)) !== before)
          throw new Error(`a refused request changed the database: ${what}`);
      }
      if (
        req.route.startsWith('purchase') &&
        res.status === 201 &&
        req.headers['idempotency-key'] !== undefined
      ) {
        const id = (JSON.parse(res.text) as { purchase: { id: string; round: number } }).purchase;
        const key = `${req.headers.authorization}|${req.path.split('?')[0]}|${req.headers['idempotency-key']}|${id.round}`;
        const first = purchases.get(key);
        if (first === undefined) purchases.set(key, id.id);
        else {
          stats.replays += 1;
          if (first !== id.id) throw new Error(`a repeated key answered another purchase: ${what}`);
          if ((await fingerprint(db)) !== before) throw new Error(`a repeated key bought again: ${what}`);
        }
      }
      const stock = await stockAddsUp(db);
      if (stock) throw new Error(`${stock} after ${what}`);
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
  );
  return stats;
}
