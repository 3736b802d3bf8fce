import autocannon from 'autocannon';

/** One bounded HTTP load, driven by autocannon as a library. */
export interface LoadOptions {
  /** Origin, e.g. http://127.0.0.1:3000 */
  url: string;
  method?: 'GET' | 'POST';
  /** The path of request number `i` (0-based, counted over the whole run). */
  path: (i: number) => string;
  /** Headers of request number `i` (e.g. a rotating bearer token). */
  headers?: (i: number) => Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationSec?: number;
  /** Exactly this many requests, then stop. */
  amount?: number;
  /** Called with every answer (its status and body). Costs the client a little: only where needed. */
  onResponse?: (status: number, body: string) => void;
  /** Seconds before a request counts as timed out (default 10). */
  timeoutSec?: number;
}

/** What a load measured. */
export interface LoadResult {
  requests: number;
  durationSec: number;
  /** Completed requests per second over the whole run. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts (not HTTP statuses). */
  errors: number;
  timeouts: number;
}

/**
 * Runs one load. Every request goes through the same `setupRequest` hook (path and headers per request), so the
 * client's cost per request is the same in every row and ratios compare servers, not client settings.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSec ?? 3 }),
    timeout: options.timeoutSec ?? 10,
    // autocannon notices the end of a run only on a sample tick: 1 s by default, which would round every
    // fixed-amount run up to whole seconds.
    sampleInt: 20,
    requests: [
      {
        method: options.method ?? 'POST',
        setupRequest: (request) => {
          const n = i++;
          request.path = options.path(n);
          request.headers = {
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...options.headers?.(n),
          };
          if (options.body !== undefined) request.body = options.body;
          return request;
        },
        ...(options.onResponse
          ? { onResponse: (status: number, body: string) => options.onResponse?.(status, body) }
          : {}),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[code] = (stat as { count: number }).count;
  }
  const completed = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    requests: completed,
    durationSec: result.duration,
    rps: completed / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Short text of a status table, e.g. "201×1200 409×3". */
export function describeStatuses(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([code, count]) => `${code}×${count}`)
    .join(' ');
}
