import {
  formatSummary,
  readSale,
  runSimulation,
  type ApiClient,
  type Buyer,
  sleep,
  type ProgressDisplay,
} from '@flash-sale/crowd';

/** Options of `crowdEveryRound`. */
export interface CrowdLoopOptions {
  client: ApiClient;
  saleId: string;
  buyers: readonly Buyer[];
  /** Arrivals spread after each start (ms): long enough for a person to watch the counter fall. */
  spreadMs: number;
  signal: AbortSignal;
  display: ProgressDisplay;
  print: (text: string) => void;
}

/** How often the loop looks for a new round between rushes. */
const POLL_MS = 2000;

/**
 * Sends the crowd at the start of the current round, prints the summary, then waits for the next round (the
 * restart schedule opens one every few minutes) and sends it again, until `signal` aborts. Returns false when a
 * run failed its checks.
 */
export async function crowdEveryRound(options: CrowdLoopOptions): Promise<boolean> {
  const { client, saleId, signal } = options;
  let allOk = true;
  while (!signal.aborted) {
    const result = await runSimulation({
      url: client.baseUrl,
      saleId,
      buyers: options.buyers.length,
      registered: options.buyers,
      spreadMs: options.spreadMs,
      concurrency: 32,
      signal,
      onProgress: (progress) => options.display.update(progress),
    });
    options.display.stop();
    if (signal.aborted) break;
    allOk &&= result.ok;
    options.print(`\n${formatSummary(result)}\n`);
    const round = result.sale?.round ?? result.round ?? 0;
    options.print(`Waiting for round ${round + 1} (the restart schedule opens it)… Ctrl-C to stop.`);
    while (!signal.aborted) {
      await sleep(POLL_MS, signal);
      if (signal.aborted) break;
      const next = await readSale(client, saleId).catch(() => null);
      if (next && next.sale.round > round) break;
    }
  }
  return allOk;
}
