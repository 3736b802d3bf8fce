import type { Server } from 'socket.io';
import { Types, type Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Metrics } from '../observability';
import type { Clock } from '../clock';
import { salesReader } from '../ledger';
import { SalesChangeFeed } from './change-feed';
import { UpdateCoalescer } from './coalescer';
import { saleIdOfRoom, saleRoom, type LiveServer } from './events';
import { LiveSales } from './live-sales';
import { PurchaseBatcher } from './purchase-batcher';
import { PurchaseStamps } from './purchase-stamps';
import { purchasesCollection } from '../purchases/purchases.collection';
import { saleReaders } from './sale-reader';
import { toSaleUpdate } from './sale-state';
import { StockCache } from './stock-cache';
import { registerSubscriptionHandlers } from './subscriptions';

export { limitConnectionsPerIp, type ConnectionRefusal } from './connection-limit';
export { demoPageDir, demoPageRouter } from './demo-page';
export type {
  ClientToServerEvents,
  ServerToClientEvents,
  SaleUpdate,
  SubscribeAck,
  UnsubscribeAck,
} from './events';
export type { PurchasesBatch } from './purchase-batcher';
export { MAX_SUBSCRIPTIONS_PER_SOCKET } from './subscriptions';

/**
 * Per sale, at most one `sale:update` per window during a rush (the first change after a quiet window goes out
 * at once, the newest of the window when it ends): 20 updates a second per sale is more than a counter needs.
 */
export const COALESCE_WINDOW_MS = 50;

/** What the rest of the app sees of the live-stock gateway. */
export interface LiveStock {
  /** Stops the change stream and pending flush timers; idempotent. */
  close(): Promise<void>;
  /** True only when this process knows that exactly this round of the sale has 0 units left. */
  isSoldOut(saleId: string, round: number): boolean;
  /** Tells the cache this process saw the round sold out (before the change stream reports it). */
  noteSoldOut(saleId: string, round: number): void;
}

/** Dependencies of the gateway; the Socket.IO server is created by the app on its HTTP server. */
export interface LiveStockDeps {
  io: Server;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Change-stream event counts and lag. */
  metrics?: Pick<Metrics, 'observeChangeEvent'>;
  /** Coalescing window (default `COALESCE_WINDOW_MS`). */
  windowMs?: number;
  /** Idle getMore wait of the change stream (default 1000 ms). */
  maxAwaitTimeMS?: number;
}

/**
 * Starts the live-stock gateway: socket handlers for `sale:subscribe` / `sale:unsubscribe` and one change stream
 * on `sales` that pushes `sale:update` to each sale's room on this instance. Resolves once the stream is open.
 */
export async function startLiveStock(deps: LiveStockDeps): Promise<LiveStock> {
  const { connection, clock, logger } = deps;
  const io = deps.io as unknown as LiveServer;
  const db = connection.db ?? (await connection.asPromise()).db;
  if (!db) throw new Error('live: the database connection is not open');
  const { readSnapshot, readState } = saleReaders(connection);

  const cache = new StockCache();
  const coalescer = new UpdateCoalescer(deps.windowMs ?? COALESCE_WINDOW_MS, (state) => {
    const room = saleRoom(state.saleId);
    // `local`: each instance serves its own sockets from its own stream, whatever adapter the app uses.
    if (io.of('/').adapter.rooms.get(room)?.size)
      io.local.to(room).emit('sale:update', toSaleUpdate(state, clock.now()));
  });
  const purchases = new PurchaseBatcher(deps.windowMs ?? COALESCE_WINDOW_MS, (batch) => {
    const room = saleRoom(batch.saleId);
    if (io.of('/').adapter.rooms.get(room)?.size) io.local.to(room).emit('sale:purchases', batch);
  });
  const stamps = new PurchaseStamps(async (saleId, round, position) => {
    const doc = await purchasesCollection(connection).findOne(
      { saleId: new Types.ObjectId(saleId), round, position },
      { projection: { purchasedAt: 1 } },
    );
    return doc ? new Date(doc.purchasedAt) : null;
  });
  const live = new LiveSales({ cache, coalescer, purchases, stamps, readState, logger });
  const stopHandling = registerSubscriptionHandlers({ io, live, readSnapshot, clock, logger });

  const watchedSales = () =>
    [...io.of('/').adapter.rooms.keys()].map(saleIdOfRoom).filter((id): id is string => id !== null);
  const feed = new SalesChangeFeed({
    collection: salesReader(connection),
    logger,
    maxAwaitTimeMS: deps.maxAwaitTimeMS,
    onChange: (change) => live.applyChange(change),
    onEvent: (type, wallTime) => deps.metrics?.observeChangeEvent(type, wallTime),
    onHistoryLost: () => live.rebuild(watchedSales()),
  });
  await feed.start();

  let closing: Promise<void> | null = null;
  return {
    close: () =>
      (closing ??= (async () => {
        stopHandling();
        await feed.close();
        coalescer.close();
        purchases.close();
      })()),
    isSoldOut: (saleId, round) => cache.isSoldOut(saleId, round),
    noteSoldOut: (saleId, round) => cache.noteSoldOut(saleId, round),
  };
}
