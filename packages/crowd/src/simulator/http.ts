/** One HTTP answer as the simulator sees it. */
export interface Answer<T = any> {
  /** HTTP status; 0 when no answer came (network error or timeout). */
  status: number;
  /** The contract's error code, `NETWORK` without an answer, null on success. */
  code: string | null;
  /** Time to the full answer, in ms. */
  ms: number;
  body: T;
  headers: Headers | null;
}

/** Options of one call. */
export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/** Gives up on a call after this long: a hung server must not hang the simulator. */
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * A small JSON client of the public API. It never throws for an HTTP or network failure: every outcome is an
 * `Answer`, so the simulator can count and judge it.
 */
export class ApiClient {
  readonly baseUrl: string;

  constructor(
    url: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const started = performance.now();
    try {
      const response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON: a proxy's error page or a broken server; the status says enough.
      }
      const code = response.ok ? null : (body?.error?.code ?? `HTTP_${response.status}`);
      return { status: response.status, code, ms, body, headers: response.headers };
    } catch {
      return {
        status: 0,
        code: 'NETWORK',
        ms: performance.now() - started,
        body: null as T,
        headers: null,
      };
    }
  }
}

/** "409 SOLD_OUT", "201", "0 NETWORK": how answers are counted in the summary. */
export function answerKey(answer: Pick<Answer, 'status' | 'code'>): string {
  return answer.code ? `${answer.status} ${answer.code}` : String(answer.status);
}

/** Milliseconds to wait, or less if aborted. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `worker` over `items` with at most `concurrency` at once; stops starting new ones once `signal` aborts. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await worker(items[index], index);
    }
  });
  await Promise.all(lanes);
}
