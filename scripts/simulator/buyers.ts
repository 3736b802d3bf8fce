import { randomBytes } from 'node:crypto';
import { answerKey, forEachLimited, type ApiClient } from './http';
import { SimulationError, type Buyer } from './types';

/** How registration goes. */
export interface RegisterOptions {
  client: ApiClient;
  count: number;
  /** Registrations in flight at once (each costs the server a bcrypt hash). */
  concurrency: number;
  signal?: AbortSignal;
  onRegistered?: (done: number) => void;
}

/**
 * Registers `count` buyers through `POST /api/auth/register`, with emails unique to this run. A 429 stops at
 * once with a message naming AUTH_RATE_LIMIT: it is the server's per-IP limit on /api/auth/*, and a crowd from
 * one machine is one IP.
 */
export async function registerBuyers(options: RegisterOptions): Promise<Buyer[]> {
  const { client, count } = options;
  const runId = randomBytes(4).toString('hex');
  const password = randomBytes(12).toString('base64url');
  const buyers: Buyer[] = [];
  let failure: SimulationError | null = null;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;

  await forEachLimited(
    Array.from({ length: count }, (_, i) => i),
    options.concurrency,
    async (i) => {
      const name = `sim-${runId}-${String(i + 1).padStart(4, '0')}`;
      const answer = await client.call('POST', '/api/auth/register', {
        body: { name, email: `${name}@simulate.example`, password },
      });
      if (answer.status === 201 && answer.body?.token && answer.body?.user?.id) {
        buyers.push({ id: answer.body.user.id, name, token: answer.body.token });
        options.onRegistered?.(buyers.length);
        return;
      }
      if (failure) return;
      failure =
        answer.status === 429
          ? new SimulationError(
              `Registration refused with 429 RATE_LIMITED after ${buyers.length} of ${count} buyers: the server ` +
                `allows AUTH_RATE_LIMIT calls to /api/auth/* per client IP per minute. Raise AUTH_RATE_LIMIT on ` +
                `the server (for example AUTH_RATE_LIMIT=${Math.max(1000, count * 2)}) or use fewer --buyers.`,
            )
          : new SimulationError(
              `Registration failed (${answerKey(answer)}) after ${buyers.length} of ${count} buyers.`,
            );
      stop.abort();
    },
    signal,
  );
  if (failure) throw failure;
  return buyers;
}
