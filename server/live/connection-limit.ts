import proxyaddr from 'proxy-addr';
import type { Server } from 'socket.io';
import type { ErrorBody } from '../errors';
import { AppError } from '../errors';

/** How a refused connection is told: `connect_error` whose `data` is the contract's error body. */
export type ConnectionRefusal = Error & { data: ErrorBody['error'] };

/** Options of the per-IP cap on Socket.IO connections. */
export interface ConnectionLimitOptions {
  /** Most connections open at once from one client IP (SOCKET_CONNECTIONS_PER_IP). */
  max: number;
  /**
   * Express's compiled `trust proxy` function (`app.get('trust proxy fn')`), so the client IP is the one the HTTP
   * side computes for `req.ip` (TRUST_PROXY): the socket peer itself unless proxies are trusted.
   */
  trust: (address: string, hop: number) => boolean;
}

function refusal(max: number): ConnectionRefusal {
  const body = new AppError('RATE_LIMITED', {
    message: `Too many connections from this address (at most ${max} at once)`,
  }).toBody().error;
  return Object.assign(new Error(body.message), { data: body });
}

/**
 * Caps concurrent Socket.IO connections per client IP. A connection over the cap gets `connect_error` with
 * `data.code = "RATE_LIMITED"` and its transport is closed, so it holds nothing; connections already open, from
 * this IP or any other, are untouched. A place is freed when a connection ends, however it ends.
 */
export function limitConnectionsPerIp(io: Server, options: ConnectionLimitOptions): void {
  const open = new Map<string, number>();
  io.use((socket, next) => {
    const ip = proxyaddr(socket.request, options.trust);
    const count = open.get(ip) ?? 0;
    if (count >= options.max) {
      next(refusal(options.max));
      // After the refusal is queued (Socket.IO sends it on the next tick); close() flushes it first.
      setImmediate(() => socket.conn.close());
      return;
    }
    open.set(ip, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    };
    // Whichever comes first: the socket leaves the namespace, or its transport closes before it ever joined.
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    next();
  });
}
