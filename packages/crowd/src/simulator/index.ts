import { registerBuyers } from './buyers';
import { readFinalState, runChecks, type Check } from './checks';
import { runCrowd, type PurchaseRecord } from './crowd';
import { answerKey, ApiClient } from './http';
import { waitForStart } from './sale';
import { percentiles, tally, type Percentiles } from './stats';
import { SimulationError, type Buyer, type SaleView } from './types';

export { ApiClient } from './http';
export { registerBuyers } from './buyers';
export { readSale, waitForStart } from './sale';
export { formatSummary } from './summary';
export { SimulationError, type Buyer, type SaleView } from './types';
export type { Check } from './checks';
export type { Percentiles } from './stats';

/** Progress of a run, for a bar or a log. */
export type SimulationProgress =
  | { phase: 'register'; done: number; total: number }
  | { phase: 'wait'; msLeft: number }
  | { phase: 'buy'; done: number; total: number; sold: number };

/** Options of a run. */
export interface SimulationOptions {
  url: string;
  saleId: string;
  /** How many buyers to register (ignored when `buyers` are given). */
  buyers: number;
  /** Units per order (default 1). */
  quantity?: number;
  /** Purchase calls in flight at once (default 64). */
  concurrency?: number;
  /** Registrations in flight at once (default 8). */
  registerConcurrency?: number;
  /** Arrivals spread over this window after the start (default 2000 ms). */
  spreadMs?: number;
  /** Longest wait for the start (default 15 min). */
  maxWaitMs?: number;
  /** Longest wait for the leaderboard to catch up with the counter (default 10 s). */
  settleMs?: number;
  /** Buyers registered earlier (by `registerBuyers`), to run another round with the same crowd. */
  registered?: readonly Buyer[];
  /** Longest total wait on the auth rate limit while registering (default 10 min). */
  rateLimitWaitMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SimulationProgress) => void;
  /** Told each time registration pauses on a 429, with the pause and the buyers registered so far. */
  onRateLimited?: (waitMs: number, done: number) => void;
}

/** The outcome of a run. `ok` is false when it stopped early or any check failed. */
export interface SimulationResult {
  ok: boolean;
  /** Why the run stopped early, if it did. */
  error: string | null;
  url: string;
  saleId: string;
  /** The round the crowd bought in. */
  round: number | null;
  /** The sale as read after the rush (GET /api/sales/:id). */
  sale: SaleView | null;
  buyers: number;
  /** Successful purchases and the units they took, for this run only. */
  purchases: number;
  unitsBought: number;
  /** Purchase answers by "status code", e.g. {"201": 200, "409 SOLD_OUT": 100}. */
  answers: Record<string, number>;
  latency: Percentiles | null;
  checks: Check[];
  durationMs: number;
}

function failed(
  options: SimulationOptions,
  started: number,
  error: string,
  partial: Partial<SimulationResult> = {},
) {
  return {
    ok: false,
    error,
    url: options.url,
    saleId: options.saleId,
    round: null,
    sale: null,
    buyers: 0,
    purchases: 0,
    unitsBought: 0,
    answers: {},
    latency: null,
    checks: [],
    durationMs: Date.now() - started,
    ...partial,
  } satisfies SimulationResult;
}

/**
 * Registers the buyers, waits on the server's clock for the sale's round to start, buys as a crowd, then checks
 * the outcome against the sale and its leaderboard. Never throws for the server's faults: they make `ok` false.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const started = Date.now();
  const client = new ApiClient(options.url);
  const progress = options.onProgress ?? (() => undefined);
  let records: PurchaseRecord[] = [];
  let buyers: readonly Buyer[] = [];
  try {
    buyers =
      options.registered ??
      (await registerBuyers({
        client,
        count: options.buyers,
        concurrency: options.registerConcurrency ?? 8,
        rateLimitWaitMs: options.rateLimitWaitMs,
        signal: options.signal,
        onRegistered: (done) => progress({ phase: 'register', done, total: options.buyers }),
        onRateLimited: options.onRateLimited,
      }));
    const { sale, offsetMs } = await waitForStart(client, options.saleId, {
      maxWaitMs: options.maxWaitMs ?? 15 * 60_000,
      signal: options.signal,
      onTick: (msLeft) => progress({ phase: 'wait', msLeft }),
    });
    // Counted here: `records` is only assigned once the whole crowd has answered.
    let sold = 0;
    let settled = 0;
    records = await runCrowd({
      client,
      saleId: options.saleId,
      buyers,
      quantity: options.quantity ?? 1,
      concurrency: options.concurrency ?? 64,
      startAtMs: Math.max(Date.now(), Date.parse(sale.startsAt) - offsetMs),
      offsetMs,
      spreadMs: options.spreadMs ?? 2000,
      signal: options.signal,
      onAnswer: (record) => {
        sold += record.purchase?.quantity ?? 0;
      },
      onSettled: () => {
        settled += 1;
        progress({ phase: 'buy', done: settled, total: buyers.length, sold });
      },
    });
    const round = records.find((r) => r.purchase)?.purchase?.round ?? sale.round;
    const final = await readFinalState(
      client,
      options.saleId,
      round,
      options.settleMs ?? 10_000,
      options.signal,
    );
    const checks = runChecks(final, records);
    const ours = records.filter((r) => r.purchase);
    return {
      ok: checks.every((c) => c.ok) && !options.signal?.aborted,
      error: options.signal?.aborted ? 'interrupted' : null,
      url: client.baseUrl,
      saleId: options.saleId,
      round,
      sale: final.sale,
      buyers: buyers.length,
      purchases: ours.length,
      unitsBought: ours.reduce((sum, r) => sum + r.purchase!.quantity, 0),
      answers: tally(records.map(answerKey)),
      latency: percentiles(records.map((r) => r.ms)),
      checks,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    return failed(options, started, error.message, {
      buyers: buyers.length,
      answers: tally(records.map(answerKey)),
      latency: percentiles(records.map((r) => r.ms)),
    });
  }
}
