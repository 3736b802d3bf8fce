import fc from 'fast-check';
import { io as ioClient, type Socket } from 'socket.io-client';
import { ERROR_STATUS } from '../../server/errors';
import type { Fixtures } from './http-cases';
import { hostileJson, hostileString } from './values';

/** What a socket fuzz run saw. */
export interface SocketFuzzStats {
  events: number;
  acked: { ok: number; refused: Record<string, number> };
  /** Events sent without an ack (the server must stay quiet and alive). */
  unacked: number;
}

/** One event a client may send. */
interface SocketCase {
  event: string;
  args: unknown[];
  wantsAck: boolean;
}

/** Names socket.io-client itself refuses to emit. */
const CLIENT_RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** The two events of the contract (mostly) and made-up ones, with any arguments. */
function socketCases(f: Fixtures): fc.Arbitrary<SocketCase> {
  const saleId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...f.sales) },
    { weight: 1, arbitrary: fc.constantFrom(...f.sales).map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    { weight: 3, arbitrary: hostileJson },
    { weight: 1, arbitrary: hostileString },
  );
  return fc.record({
    event: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('sale:subscribe', 'sale:unsubscribe') },
      {
        weight: 1,
        arbitrary: fc
          .oneof(fc.string({ maxLength: 30 }), fc.constantFrom('sale:update', '__proto__', 'constructor'))
          .filter((name) => !CLIENT_RESERVED.has(name)),
      },
    ),
    // Messages over the server's 16 kB bound close the connection by design (test/live/transport-limits): the
    // fuzzer explores what the handlers see, so it stays under it.
    args: fc
      .oneof(
        { weight: 6, arbitrary: saleId.map((id): unknown[] => [id]) },
        { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
        { weight: 2, arbitrary: fc.array(hostileJson, { maxLength: 4 }) },
      )
      .filter((args) => Buffer.byteLength(JSON.stringify(args)) < MESSAGE_BOUND_BYTES),
    wantsAck: fc.boolean(),
  });
}

/** Below the server's Socket.IO message limit (16 kB), with room for the packet framing. */
const MESSAGE_BOUND_BYTES = 15 * 1024;

const ACK_BOUND_MS = 5000;

/** Checks an ack: `{ok: true, sale}` or `{ok: false, error: {code, message}}` with a code of the contract. */
function ackProblem(ack: unknown): string | null {
  if (typeof ack !== 'object' || ack === null) return 'not an object';
  const a = ack as { ok?: unknown; sale?: unknown; error?: { code?: unknown; message?: unknown } };
  if (a.ok === true) return null;
  if (a.ok !== false || typeof a.error?.message !== 'string') return 'neither ok nor an error';
  if (typeof a.error.code !== 'string' || !(a.error.code in ERROR_STATUS)) return 'unknown error code';
  if (ERROR_STATUS[a.error.code as keyof typeof ERROR_STATUS] >= 500) return `server error ${a.error.code}`;
  return null;
}

/**
 * Property: whatever a client emits, the connection stays up, an event with an ack gets a well-formed answer
 * within the bound (never a 5xx code), and the server keeps serving (checked by a real subscribe after each run).
 */
export async function fuzzSockets(
  baseUrl: string,
  fixtures: Fixtures,
  options: { numRuns: number; seed?: number },
): Promise<SocketFuzzStats> {
  const stats: SocketFuzzStats = { events: 0, acked: { ok: 0, refused: {} }, unacked: 0 };
  const socket: Socket = ioClient(baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  try {
    await fc.assert(
      fc.asyncProperty(socketCases(fixtures), async (c) => {
        stats.events += 1;
        const what = JSON.stringify(c).slice(0, 400);
        const known = c.event === 'sale:subscribe' || c.event === 'sale:unsubscribe';
        if (c.wantsAck && known) {
          const ack: unknown = await socket.timeout(ACK_BOUND_MS).emitWithAck(c.event, ...c.args);
          const problem = ackProblem(ack);
          if (problem) throw new Error(`${problem}: ${JSON.stringify(ack).slice(0, 300)} for ${what}`);
          const a = ack as { ok: boolean; error?: { code: string } };
          if (a.ok) stats.acked.ok += 1;
          else stats.acked.refused[a.error!.code] = (stats.acked.refused[a.error!.code] ?? 0) + 1;
        } else {
          socket.emit(c.event, ...c.args);
          stats.unacked += 1;
        }
        // Keep the socket under the per-connection subscription bound, and prove the server still answers.
        const left: unknown = await socket
          .timeout(ACK_BOUND_MS)
          .emitWithAck('sale:unsubscribe', fixtures.sales[0]);
        if (!socket.connected) throw new Error(`the server dropped the connection after ${what}`);
        if ((left as { ok?: boolean }).ok !== true) throw new Error(`unsubscribe failed after ${what}`);
      }),
      { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
    );
    const check: unknown = await socket
      .timeout(ACK_BOUND_MS)
      .emitWithAck('sale:subscribe', fixtures.sales[0]);
    if ((check as { ok?: boolean }).ok !== true) throw new Error('a valid subscribe failed after the run');
  } finally {
    socket.disconnect();
  }
  return stats;
}
