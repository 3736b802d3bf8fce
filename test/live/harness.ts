import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import mongoose, { Types, type Connection } from 'mongoose';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import winston from 'winston';
import { systemClock, type Clock } from '../../server/clock';
import { demoPageRouter, startLiveStock, type LiveStock } from '../../server/live';
import type {
  ClientToServerEvents,
  SaleUpdate,
  ServerToClientEvents,
  SubscribeAck,
} from '../../server/live/events';
import { SaleLedger } from '../../server/ledger';
import { saleModel } from '../../server/ledger/sale.model';

export type LiveClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One instance of the gateway alone: express + Socket.IO + live stock on its own connection. */
export interface LiveInstance {
  url: string;
  io: Server;
  live: LiveStock;
  connection: Connection;
  close(): Promise<void>;
}

export const silentLogger = winston.createLogger({
  silent: true,
  transports: [new winston.transports.Console()],
});

/** Boots the gateway on port 0 against `dbName` (the harness used while the full app is not needed). */
export async function startLiveInstance(
  uri: string,
  dbName: string,
  opts: { clock?: Clock; windowMs?: number } = {},
): Promise<LiveInstance> {
  const connection = await mongoose
    .createConnection(uri, { dbName, serverSelectionTimeoutMS: 2500, bufferCommands: false })
    .asPromise();
  const app = express();
  app.use(demoPageRouter());
  const http = createServer(app);
  const io = new Server(http);
  const live = await startLiveStock({
    io,
    connection,
    clock: opts.clock ?? systemClock,
    logger: silentLogger,
    windowMs: opts.windowMs,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    live,
    connection,
    close: async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await live.close();
      await connection.close();
    },
  };
}

/** Inserts a sale through the ledger, as the sales service does; returns its id. */
export async function insertSale(
  connection: Connection,
  overrides: { units?: number; startsAt?: Date; perUserLimit?: number } = {},
): Promise<string> {
  const units = overrides.units ?? 200;
  const sale = await new SaleLedger(connection).create(
    {
      productId: new Types.ObjectId(),
      productName: 'Test kettle',
      price: 1999,
      currency: 'USD',
      units,
      perOrderLimit: 1,
      perUserLimit: overrides.perUserLimit ?? 1,
      restartSchedule: null,
      promoCondition: null,
      startsAt: overrides.startsAt ?? new Date(Date.now() - 1000),
    },
    new Date(),
  );
  return String(sale._id);
}

/**
 * One purchase as the purchase path decides it (the ledger's one update), straight on the database, without a
 * purchase document: the gateway must not care which process, or which code, made the change.
 */
export async function buyDirect(connection: Connection, saleId: string): Promise<boolean> {
  const id = new Types.ObjectId(saleId);
  const sale = await saleModel(connection).findById(id, { round: 1 }).lean();
  if (!sale) return false;
  const user = new Types.ObjectId();
  const committed = await new SaleLedger(connection).commit({
    saleId: id,
    round: sale.round,
    purchaseId: new Types.ObjectId(),
    userId: user,
    userHex: user.toHexString(),
    userName: 'Direct buyer',
    quantity: 1,
    perUserLimit: 1,
    now: new Date(),
  });
  return committed !== null;
}

/** Connects a Socket.IO client (websocket only, like a browser after the upgrade). */
export async function connectClient(url: string): Promise<LiveClient> {
  const socket: LiveClient = ioClient(url, { transports: ['websocket'], reconnection: true, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

export function subscribe(socket: LiveClient, saleId: unknown): Promise<SubscribeAck> {
  return socket.timeout(5000).emitWithAck('sale:subscribe', saleId as string);
}

/** Records every `sale:update` the socket receives. */
export function recordUpdates(socket: LiveClient): SaleUpdate[] {
  const updates: SaleUpdate[] = [];
  socket.on('sale:update', (u) => updates.push(u));
  return updates;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
