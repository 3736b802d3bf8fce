import type { Server, Socket } from 'socket.io';
import type { ErrorBody } from '../errors';
import type { SaleStatus, SaleView } from '../sales/sale.view';
import type { PurchasesBatch } from './purchase-batcher';

/** Pushed to a sale's room whenever the sale changes; several changes may be folded into one. */
export interface SaleUpdate {
  saleId: string;
  round: number;
  units: number;
  remaining: number;
  sold: number;
  status: SaleStatus;
  version: number;
  /** When this server emitted the update (ISO 8601, UTC). */
  at: string;
}

/** Same body as the REST errors: a contract code, a message, and for validation errors the fields. */
export type AckError = ErrorBody['error'];

export type SubscribeAck = { ok: true; sale: SaleView } | { ok: false; error: AckError };
export type UnsubscribeAck = { ok: true } | { ok: false; error: AckError };

/** Events a browser may send. Payloads are validated at run time: these types describe well-behaved clients. */
export interface ClientToServerEvents {
  'sale:subscribe': (saleId: string, ack: (res: SubscribeAck) => void) => void;
  'sale:unsubscribe': (saleId: string, ack?: (res: UnsubscribeAck) => void) => void;
}

/** Events the server pushes. */
export interface ServerToClientEvents {
  'sale:update': (update: SaleUpdate) => void;
  'sale:purchases': (batch: PurchasesBatch) => void;
}

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** The Socket.IO room of one sale. */
export function saleRoom(saleId: string): string {
  return `sale:${saleId}`;
}

/** The sale id of a room made by `saleRoom`, or null for any other room (e.g. a socket's own id). */
export function saleIdOfRoom(room: string): string | null {
  return room.startsWith('sale:') ? room.slice('sale:'.length) : null;
}
