import Joi from 'joi';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { toAppError } from '../http/error-handler';
import { isObjectIdHex } from '../http/ids';
import { toSaleView, type SaleViewSource } from '../sales/sale.view';
import {
  saleRoom,
  type AckError,
  type LiveServer,
  type LiveSocket,
  type SubscribeAck,
  type UnsubscribeAck,
} from './events';
import type { LiveSales } from './live-sales';
import { stateFromDocument } from './sale-state';

/** How many sales one connection may watch at once (subscriptions plus subscribes still being answered). */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 20;

/** Reads the whole sale for a snapshot (no buyers, no outbox); null when it does not exist. */
export type ReadSaleSnapshot = (saleId: string) => Promise<SaleViewSource | null>;

export interface SubscriptionDeps {
  io: LiveServer;
  live: LiveSales;
  readSnapshot: ReadSaleSnapshot;
  clock: Clock;
  logger: Logger;
}

const saleIdSchema = Joi.string().min(1).max(64).required().label('saleId');

type Ack<T> = (res: T) => void;

/** Socket.IO passes the ack as the last argument; a client that sent no sale id puts it first. */
function splitArgs<T>(args: unknown[]): { saleId: unknown; ack: Ack<T> | undefined } {
  // Socket.IO passes the ack last, whatever came before it; a lone function is an ack without a sale id.
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as Ack<T>) : undefined;
  const saleId = ack && args.length === 1 ? undefined : args[0];
  return { saleId, ack };
}

/** Validates the payload; a well-formed string that is not an id the API hands out is simply not found. */
function parseSaleId(value: unknown): string {
  const { error } = saleIdSchema.validate(value, { abortEarly: false, convert: false });
  if (error) throw error;
  if (!isObjectIdHex(value)) throw new AppError('NOT_FOUND', { message: 'No such sale' });
  return value.toLowerCase();
}

function failure(error: unknown): { ok: false; error: AckError } {
  return { ok: false, error: toAppError(error).toBody().error };
}

/**
 * Handles `sale:subscribe` and `sale:unsubscribe` on every connection. Viewing needs no account. A subscribe is
 * answered with a snapshot read from the database at that moment, which is also handed to the live state so
 * the room never sees a version below the one this client was given. Returns a function that stops handling new
 * connections.
 */
export function registerSubscriptionHandlers(deps: SubscriptionDeps): () => void {
  const { io, live, readSnapshot, clock, logger } = deps;

  const onConnection = (socket: LiveSocket) => {
    // Sale ids this socket watches or is being answered about: the bound applies to both.
    const watched = new Set<string>();
    let inFlight = 0;
    // Subscribes still reading their snapshot, per sale; an unsubscribe bumps the epoch so they do not join.
    const pending = new Map<string, { count: number; epoch: number }>();
    const distinctSales = () => {
      let count = watched.size;
      for (const saleId of pending.keys()) if (!watched.has(saleId)) count += 1;
      return count;
    };

    socket.on('sale:subscribe', async (...args: unknown[]) => {
      const { saleId: raw, ack } = splitArgs<SubscribeAck>(args);
      if (!ack) {
        logger.info('live: subscribe without ack ignored', { socketId: socket.id });
        return;
      }
      let saleId: string;
      try {
        saleId = parseSaleId(raw);
        // Too many answers pending is a rate problem (retry later), checked before the bound on sales watched.
        if (inFlight >= MAX_SUBSCRIPTIONS_PER_SOCKET) throw new AppError('RATE_LIMITED');
        // The bound is on distinct sales: watched ones plus those still being answered (several subscribes to
        // one sale are one sale).
        if (!watched.has(saleId) && !pending.has(saleId) && distinctSales() >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
          throw new AppError('VALIDATION_ERROR', {
            message: `At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} sales can be watched per connection`,
            details: [{ path: 'saleId', message: 'too many subscriptions', type: 'subscriptions.max' }],
          });
        }
      } catch (error) {
        ack(failure(error));
        return;
      }
      const slot = pending.get(saleId) ?? { count: 0, epoch: 0 };
      pending.set(saleId, slot);
      slot.count += 1;
      inFlight += 1;
      try {
        const epoch = slot.epoch;
        const doc = await readSnapshot(saleId);
        if (!doc) throw new AppError('NOT_FOUND', { message: 'No such sale' });
        if (socket.disconnected) return;
        const state = stateFromDocument(doc as unknown as Record<string, unknown>);
        // Publish before joining: a newer snapshot goes to the room's other members, not twice to this one.
        if (state) live.publish(state);
        if (slot.epoch === epoch) {
          watched.add(saleId);
          await socket.join(saleRoom(saleId));
        }
        ack({ ok: true, sale: toSaleView(doc, clock.now()) });
      } catch (error) {
        const answer = failure(error);
        if (answer.error.code === 'INTERNAL_ERROR' || answer.error.code === 'SERVICE_UNAVAILABLE') {
          logger.error('live: subscribe failed', { socketId: socket.id, error: (error as Error).message });
        }
        ack(answer);
      } finally {
        inFlight -= 1;
        slot.count -= 1;
        if (slot.count === 0) pending.delete(saleId);
      }
    });

    socket.on('sale:unsubscribe', async (...args: unknown[]) => {
      const { saleId: raw, ack } = splitArgs<UnsubscribeAck>(args);
      try {
        const saleId = parseSaleId(raw);
        watched.delete(saleId);
        const inProgress = pending.get(saleId);
        if (inProgress) inProgress.epoch += 1;
        await socket.leave(saleRoom(saleId));
        ack?.({ ok: true });
      } catch (error) {
        // A well-formed id this socket does not watch is fine (idempotent); a malformed one is NOT_FOUND.
        ack?.(failure(error));
      }
    });
  };
  io.on('connection', onConnection);
  return () => {
    io.off('connection', onConnection);
  };
}
