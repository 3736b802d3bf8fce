import fc from 'fast-check';
import { io as ioClient, type Socket } from 'socket.io-client';
import { ERROR_STATUS } from '../../../../../server/errors';
import type { Fixtures } from './http-cases';
import { hostileJson, hostileString } from './values';

/** What a socket fuzz run saw. */
export interface SocketFuzzStats {
  events: number;
  acked: { ok: number; refused: Record<string, number> };
  /** Events sent without an ack (the server must stay quiet and alive). */
  unacked: number;
  /** Extra connections opened by crowd cases: accepted, and refused with RATE_LIMITED. */
  crowd: { connected: number; refused: number };
}

/** One event a client may send, a burst of subscribes, or a crowd of extra connections from this IP. */
type SocketCase =
  | { kind: 'event'; event: string; args: unknown[]; wantsAck: boolean }
  | { kind: 'burst'; sale: number; count: number }
  | { kind: 'crowd'; count: number };

/** Names socket.io-client itself refuses to emit. */
const CLIENT_RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** Mostly single events; sometimes a burst of subscribes past the in-flight bound, or a crowd over the cap. */
function socketCases(f: Fixtures, cap: number | undefined): fc.Arbitrary<SocketCase> {
  return fc.oneof(
    { weight: 12, arbitrary: eventCases(f).map((e) => ({ kind: 'event' as const, ...e })) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('burst' as const),
        sale: fc.integer({ min: 0, max: f.sales.length - 1 }),
        count: fc.integer({ min: 1, max: 45 }),
      }),
    },
    {
      weight: cap === undefined ? 0 : 1,
      arbitrary: fc.record({
        kind: fc.constant('crowd' as const),
        count: fc.integer({ min: 1, max: (cap ?? 1) + 3 }),
      }),
    },
  );
}

/** The two events of the contract (mostly) and made-up ones, with any arguments. */
function eventCases(f: Fixtures) {
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

/** Records an ack; throws when it is malformed or, when `only` is given, a refusal with another code. */
function record(stats: SocketFuzzStats, ack: unknown, what: string, only?: string): void {
  const problem = ackProblem(ack);
  if (problem) throw new Error(`${problem}: ${JSON.stringify(ack).slice(0, 300)} for ${what}`);
  const a = ack as { ok: boolean; error?: { code: string } };
  if (a.ok) stats.acked.ok += 1;
  else {
    if (only && a.error!.code !== only) throw new Error(`refused ${a.error!.code}, not ${only}, for ${what}`);
    stats.acked.refused[a.error!.code] = (stats.acked.refused[a.error!.code] ?? 0) + 1;
  }
}

/** A connection from this process, settled: connected, or refused with connect_error (its `data` kept). */
function connect(baseUrl: string): Promise<{ socket: Socket; error?: Error & { data?: { code?: string } } }> {
  const socket = ioClient(baseUrl, { transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

/**
 * `count` connections at once from this IP, next to the fuzzer's own: never more than `cap` open together, and
 * every refusal is a connect_error with code RATE_LIMITED.
 */
async function crowd(baseUrl: string, count: number, cap: number, stats: SocketFuzzStats, what: string) {
  const outcomes = await Promise.all(Array.from({ length: count }, () => connect(baseUrl)));
  try {
    const connected = outcomes.filter((o) => !o.error).length;
    stats.crowd.connected += connected;
    stats.crowd.refused += outcomes.length - connected;
    if (connected > cap - 1)
      throw new Error(`${connected} + 1 connections open over the cap ${cap}: ${what}`);
    for (const { error } of outcomes) {
      if (error && error.data?.code !== 'RATE_LIMITED') {
        throw new Error(`refused without RATE_LIMITED (${error.message}): ${what}`);
      }
    }
  } finally {
    for (const { socket } of outcomes) socket.disconnect();
  }
}

/**
 * Property: whatever a client emits, the connection stays up, an event with an ack gets a well-formed answer
 * within the bound (never a 5xx code), and the server keeps serving (checked by a real subscribe after each run).
 * A burst of subscribes is refused only with RATE_LIMITED; with `connectionCap`, crowds of connections from this
 * IP never get past the cap and are refused with RATE_LIMITED.
 */
export async function fuzzSockets(
  baseUrl: string,
  fixtures: Fixtures,
  options: { numRuns: number; seed?: number; connectionCap?: number },
): Promise<SocketFuzzStats> {
  const stats: SocketFuzzStats = {
    events: 0,
    acked: { ok: 0, refused: {} },
    unacked: 0,
    crowd: { connected: 0, refused: 0 },
  };
  const { socket, error } = await connect(baseUrl);
  if (error) throw error;
  const cap = options.connectionCap;
  try {
    await fc.assert(
      fc.asyncProperty(socketCases(fixtures, cap), async (c) => {
        stats.events += 1;
        const what = JSON.stringify(c).slice(0, 400);
        let watched = fixtures.sales[0];
        if (c.kind === 'burst') {
          watched = fixtures.sales[c.sale];
          const acks = await Promise.all(
            Array.from({ length: c.count }, () =>
              socket.timeout(ACK_BOUND_MS).emitWithAck('sale:subscribe', watched),
            ),
          );
          for (const ack of acks) record(stats, ack, what, 'RATE_LIMITED');
        } else if (c.kind === 'crowd') {
          await crowd(baseUrl, c.count, cap!, stats, what);
        } else if (c.wantsAck && (c.event === 'sale:subscribe' || c.event === 'sale:unsubscribe')) {
          record(stats, await socket.timeout(ACK_BOUND_MS).emitWithAck(c.event, ...c.args), what);
        } else {
          socket.emit(c.event, ...c.args);
          stats.unacked += 1;
        }
        // Keep the socket under the per-connection subscription bound, and prove the server still answers.
        const left: unknown = await socket.timeout(ACK_BOUND_MS).emitWithAck('sale:unsubscribe', watched);
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
