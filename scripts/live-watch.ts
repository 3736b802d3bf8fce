import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, SaleUpdate, ServerToClientEvents } from '../server/live/events';
import type { SaleView } from '../server/sales/sale.view';

/** Options of `watchSale`. */
export interface WatchOptions {
  url: string;
  saleId: string;
  /** Where the lines go (default stdout). */
  write?: (line: string) => void;
  /** Raw JSON lines instead of readable ones. */
  json?: boolean;
}

/** A running watch. */
export interface Watch {
  /** Resolves with the first subscribe answer's sale, or rejects with the refusal. */
  subscribed: Promise<SaleView>;
  /** Unsubscribes and closes the socket. */
  stop(): Promise<void>;
}

const time = (iso: string) => iso.slice(11, 23);

/** One `sale:update` on one line: time, round, stock, status, version. */
export function formatUpdate(update: SaleUpdate): string {
  return (
    `${time(update.at)}  round ${update.round}  remaining ${update.remaining}/${update.units}  ` +
    `sold ${update.sold}  ${update.status}  v${update.version}`
  );
}

/**
 * The reference live-stock client: connects with socket.io-client, subscribes to one sale (again after every
 * reconnect, since a new connection has no rooms) and prints each `sale:update` on one line.
 */
export function watchSale(options: WatchOptions): Watch {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(options.url, {
    reconnectionDelayMax: 4000,
  });
  let settle: { resolve(sale: SaleView): void; reject(error: Error): void } | null = null;
  const subscribed = new Promise<SaleView>((resolve, reject) => (settle = { resolve, reject }));

  const refuse = (reason: string) => {
    write(options.json ? JSON.stringify({ error: reason }) : `subscribe refused: ${reason}`);
    settle?.reject(new Error(reason));
    settle = null;
  };
  const subscribe = () => {
    socket.timeout(5000).emit('sale:subscribe', options.saleId, (timeout, answer) => {
      if (timeout) return refuse('no answer within 5 s');
      if (!answer.ok) return refuse(`${answer.error.code}: ${answer.error.message}`);
      const sale = answer.sale;
      write(
        options.json
          ? JSON.stringify({ subscribed: sale })
          : `subscribed to ${sale.id} (${sale.product.name}): round ${sale.round}, ${sale.remaining}/${sale.units} left, ` +
              `${sale.status}, starts ${sale.startsAt}, v${sale.version}`,
      );
      settle?.resolve(sale);
      settle = null;
    });
  };

  socket.on('connect', subscribe);
  socket.on('disconnect', (reason) => {
    if (!options.json) write(`disconnected (${reason}); reconnecting…`);
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (error) => {
    if (settle) {
      settle.reject(new Error(`cannot connect to ${options.url}: ${error.message}`));
      settle = null;
    }
  });
  socket.on('sale:update', (update) => {
    if (update.saleId === options.saleId) write(options.json ? JSON.stringify(update) : formatUpdate(update));
  });

  return {
    subscribed,
    stop: async () => {
      if (socket.connected) {
        await socket
          .timeout(1000)
          .emitWithAck('sale:unsubscribe', options.saleId)
          .catch(() => undefined);
      }
      socket.close();
    },
  };
}
