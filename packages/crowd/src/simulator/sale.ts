import { answerKey, sleep, type ApiClient } from './http';
import { SimulationError, type SaleView } from './types';

/** A sale read with the server's clock: `offsetMs` is server time minus local time. */
export interface SaleReading {
  sale: SaleView;
  offsetMs: number;
}

/** GET /api/sales/:id, with the clock offset estimated from `serverTime` (stamped about mid-flight). */
export async function readSale(client: ApiClient, saleId: string): Promise<SaleReading> {
  const sentAt = Date.now();
  const answer = await client.call<{ sale: SaleView }>('GET', `/api/sales/${encodeURIComponent(saleId)}`);
  if (answer.status === 404) throw new SimulationError(`No sale ${saleId} on ${client.baseUrl} (404).`);
  if (answer.status !== 200 || !answer.body?.sale)
    throw new SimulationError(
      `GET /api/sales/${saleId} answered ${answerKey(answer)}: is the server healthy?`,
    );
  const sale = answer.body.sale;
  const offsetMs = Date.parse(sale.serverTime) - (sentAt + Date.now()) / 2;
  return { sale, offsetMs };
}

/** Options of `waitForStart`. */
export interface WaitOptions {
  /** Give up when the start is further than this (ms). */
  maxWaitMs: number;
  signal?: AbortSignal;
  /** Called about once a second with the server-time ms left. */
  onTick?: (msLeft: number, sale: SaleView) => void;
}

/** Re-reads the sale this often while waiting, in case an operator moves the start. */
const RESYNC_MS = 10_000;

/**
 * Waits on the server's clock until the sale's current round starts (at once when it has). Returns the last
 * reading, taken within a few seconds of the start, so the crowd can aim at it.
 */
export async function waitForStart(
  client: ApiClient,
  saleId: string,
  options: WaitOptions,
): Promise<SaleReading> {
  const deadline = Date.now() + options.maxWaitMs;
  let reading = await readSale(client, saleId);
  let readAt = Date.now();
  for (;;) {
    const msLeft = Date.parse(reading.sale.startsAt) - (Date.now() + reading.offsetMs);
    if (msLeft <= 0 || options.signal?.aborted) return reading;
    if (Date.now() + msLeft > deadline)
      throw new SimulationError(
        `Sale ${saleId} starts in ${Math.round(msLeft / 1000)} s, after the ${Math.round(options.maxWaitMs / 1000)} s this run waits (--max-wait).`,
      );
    options.onTick?.(msLeft, reading.sale);
    // Close to the start, stop re-reading and just aim.
    if (msLeft > 3000 && Date.now() - readAt >= RESYNC_MS) {
      reading = await readSale(client, saleId);
      readAt = Date.now();
      continue;
    }
    await sleep(Math.min(1000, msLeft), options.signal);
  }
}
