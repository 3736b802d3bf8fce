import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { sleep, type Answer, type ApiClient } from './http';
import type { Buyer } from './types';

/** What one purchase call gave. */
export interface PurchaseRecord {
  buyerId: string;
  status: number;
  code: string | null;
  ms: number;
  purchase: { id: string; round: number; position: number; quantity: number } | null;
}

/** How the crowd buys. */
export interface CrowdOptions {
  client: ApiClient;
  saleId: string;
  buyers: readonly Buyer[];
  quantity: number;
  /** Purchase calls in flight at once. */
  concurrency: number;
  /** Local time (ms since epoch) at which the round starts; arrivals are counted from it. */
  startAtMs: number;
  /** Server time minus local time, to read SALE_NOT_STARTED's `details.startsAt`. */
  offsetMs: number;
  /** Arrivals spread over this window after the start: most come early, a few late (ms). */
  spreadMs: number;
  signal?: AbortSignal;
  onAnswer?: (record: PurchaseRecord) => void;
  /** Called once per buyer when it is done (bought, refused, or out of retries). */
  onSettled?: (buyer: Buyer) => void;
}

/** Retries after SALE_NOT_STARTED (our clock estimate a little early): at most this many. */
const MAX_EARLY_RETRIES = 3;
/** Longest wait for one such retry. */
const MAX_EARLY_WAIT_MS = 2000;

/** A counting semaphore: at most `limit` holders at once, the others wait in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/** An arrival delay after the start: exponential (a rush that thins out), capped at `spreadMs`. */
function arrivalDelay(spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  return Math.min(spreadMs, -Math.log(1 - Math.random()) * (spreadMs / 4));
}

function toRecord(buyer: Buyer, answer: Answer): PurchaseRecord {
  const p = answer.status === 201 ? answer.body?.purchase : null;
  return {
    buyerId: buyer.id,
    status: answer.status,
    code: answer.code,
    ms: answer.ms,
    purchase: p ? { id: p.id, round: p.round, position: p.position, quantity: p.quantity } : null,
  };
}

/**
 * Every buyer tries one order of `quantity` at its own arrival time, with an Idempotency-Key so a retry can never
 * buy twice. A buyer told SALE_NOT_STARTED (its clock a little ahead) retries at the start the server names.
 * Returns one record per answer, including retries.
 */
export async function runCrowd(options: CrowdOptions): Promise<PurchaseRecord[]> {
  const { client, saleId, signal } = options;
  const gate = new Semaphore(Math.max(1, options.concurrency));
  const records: PurchaseRecord[] = [];
  const path = `/api/sales/${encodeURIComponent(saleId)}/purchases`;
  // Every waiting buyer listens for the abort: many listeners on one signal are the design, not a leak.
  if (signal) setMaxListeners(options.buyers.length + 16, signal);

  const buyOnce = async (buyer: Buyer, key: string): Promise<Answer> => {
    await gate.acquire();
    try {
      return await client.call('POST', path, {
        token: buyer.token,
        headers: { 'Idempotency-Key': key },
        body: { quantity: options.quantity },
      });
    } finally {
      gate.release();
    }
  };

  await Promise.all(
    options.buyers.map(async (buyer) => {
      await sleep(options.startAtMs + arrivalDelay(options.spreadMs) - Date.now(), signal);
      const key = randomUUID();
      for (let attempt = 0; attempt <= MAX_EARLY_RETRIES && !signal?.aborted; attempt += 1) {
        const answer = await buyOnce(buyer, key);
        const record = toRecord(buyer, answer);
        records.push(record);
        options.onAnswer?.(record);
        if (answer.code !== 'SALE_NOT_STARTED') break;
        const startsAt = Date.parse(answer.body?.error?.details?.startsAt ?? '');
        const wait = Number.isFinite(startsAt) ? startsAt - (Date.now() + options.offsetMs) : 200;
        await sleep(Math.min(MAX_EARLY_WAIT_MS, Math.max(50, wait + 20)), signal);
      }
      options.onSettled?.(buyer);
    }),
  );
  return records;
}
