import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { SaleUpdate, SubscribeAck } from '../../server/live';

/** One update as a watcher received it. */
export interface Seen {
  remaining: number;
  sold: number;
  version: number;
  status: string;
  /** performance.now() when this process handled it. */
  at: number;
}

/** A subscribed socket and every update it received. */
export interface Watcher {
  socket: Socket;
  seen: Seen[];
}

/** What connecting many watchers gave. */
export interface WatcherPool {
  watchers: Watcher[];
  /** Sockets that did not connect or subscribe within the time bound. */
  failed: number;
  /** How long connecting and subscribing took (ms). */
  tookMs: number;
  close(): void;
}

/** Connects one socket (websocket only, no reconnection) and subscribes it to a sale; bounded by `timeoutMs`. */
async function connectOne(url: string, saleId: string, timeoutMs: number): Promise<Watcher> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
  });
  const seen: Seen[] = [];
  socket.on('sale:update', (update: SaleUpdate) => {
    seen.push({
      remaining: update.remaining,
      sold: update.sold,
      version: update.version,
      status: update.status,
      at: performance.now(),
    });
  });
  try {
    const ack: SubscribeAck = await socket.timeout(timeoutMs).emitWithAck('sale:subscribe', saleId);
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.code}`);
    return { socket, seen };
  } catch (error) {
    socket.disconnect();
    throw error;
  }
}

/**
 * Connects up to `count` watchers of a sale, `concurrency` at a time, giving up on new ones after `budgetMs`.
 * The count it reaches is what this machine holds within the bound (both ends run on the same machine).
 */
export async function connectWatchers(
  url: string,
  saleId: string,
  count: number,
  options: { concurrency?: number; budgetMs?: number; timeoutMs?: number } = {},
): Promise<WatcherPool> {
  const started = performance.now();
  const deadline = Date.now() + (options.budgetMs ?? 60_000);
  const watchers: Watcher[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      next += 1;
      try {
        watchers.push(await connectOne(url, saleId, options.timeoutMs ?? 10_000));
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 100, count) }, worker));
  return {
    watchers,
    failed,
    tookMs: performance.now() - started,
    close: () => {
      for (const w of watchers) w.socket.disconnect();
    },
  };
}

/** The p-th percentile (0..100) of a list of numbers (nearest rank); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
