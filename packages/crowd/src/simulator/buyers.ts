import { randomBytes } from 'node:crypto';
import { answerKey, forEachLimited, sleep, type Answer, type ApiClient } from './http';
import { buyerName } from './names';
import { SimulationError, type Buyer } from './types';

/** How registration goes. */
export interface RegisterOptions {
  client: ApiClient;
  count: number;
  /** Registrations in flight at once (each costs the server a bcrypt hash). */
  concurrency: number;
  /** Longest total wait on 429 answers before giving up (default 10 min; 0 gives up at the first 429). */
  rateLimitWaitMs?: number;
  signal?: AbortSignal;
  onRegistered?: (done: number) => void;
  /** Told once per pause on the auth rate limit, with its length and the buyers registered so far. */
  onRateLimited?: (waitMs: number, done: number) => void;
}

/** Tries per buyer: a few 429s in a row are expected while the limit's window runs out, a loop is not. */
const MAX_ATTEMPTS = 20;
/** A Retry-After outside this range is read as the nearest bound. */
const MIN_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 60_000;

function retryAfterMs(answer: Answer): number {
  const seconds = Number(answer.headers?.get('retry-after'));
  const ms = Number.isFinite(seconds) ? seconds * 1000 : MAX_PAUSE_MS;
  return Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, ms));
}

/**
 * Registers `count` buyers through `POST /api/auth/register`, with readable names and emails unique to this run.
 * The server limits /api/auth/* per client IP (AUTH_RATE_LIMIT a minute), and a crowd from one machine is one
 * IP: on 429 every lane pauses for the Retry-After the server gives, then goes on, so a default server gets its
 * crowd too, only slower. Gives up, naming AUTH_RATE_LIMIT, once the pauses would pass `rateLimitWaitMs`.
 */
export async function registerBuyers(options: RegisterOptions): Promise<Buyer[]> {
  const { client, count } = options;
  const runId = randomBytes(4).toString('hex');
  const password = randomBytes(12).toString('base64url');
  const budgetMs = options.rateLimitWaitMs ?? 10 * 60_000;
  const buyers: Buyer[] = [];
  let failure: SimulationError | null = null;
  let pausedUntil = 0;
  let waitedMs = 0;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const giveUp = (error: SimulationError) => {
    failure ??= error;
    stop.abort();
  };

  /** Pauses every lane until the server's window has room; false when that would pass the budget. */
  const pause = (answer: Answer): boolean => {
    const until = Date.now() + retryAfterMs(answer);
    // The other lanes' 429s of the same full window: one pause, told once.
    if (until <= pausedUntil + MIN_PAUSE_MS) return true;
    const added = until - Math.max(pausedUntil, Date.now());
    if (waitedMs + added > budgetMs) return false;
    waitedMs += added;
    pausedUntil = until;
    options.onRateLimited?.(until - Date.now(), buyers.length);
    return true;
  };

  await forEachLimited(
    Array.from({ length: count }, (_, i) => i),
    options.concurrency,
    async (i) => {
      const name = buyerName(i);
      const email = `sim-${runId}-${i + 1}@simulate.example`;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && !signal.aborted; attempt += 1) {
        await sleep(pausedUntil - Date.now(), signal);
        if (signal.aborted) return;
        const answer = await client.call('POST', '/api/auth/register', { body: { name, email, password } });
        if (answer.status === 201 && answer.body?.token && answer.body?.user?.id) {
          buyers.push({ id: answer.body.user.id, name, token: answer.body.token });
          options.onRegistered?.(buyers.length);
          return;
        }
        if (answer.status !== 429) {
          giveUp(
            new SimulationError(
              `Registration failed (${answerKey(answer)}) after ${buyers.length} of ${count} buyers.`,
            ),
          );
          return;
        }
        if (!pause(answer)) break;
      }
      if (signal.aborted) return;
      giveUp(
        new SimulationError(
          `Registration refused with 429 RATE_LIMITED after ${buyers.length} of ${count} buyers and ` +
            `${Math.round(waitedMs / 1000)} s of waiting: the server allows AUTH_RATE_LIMIT calls to /api/auth/* ` +
            `per client IP per minute. Raise AUTH_RATE_LIMIT on the server (for example ` +
            `AUTH_RATE_LIMIT=${Math.max(1000, count * 2)}) or use fewer --buyers.`,
        ),
      );
    },
    signal,
  );
  if (failure) throw failure;
  return buyers;
}
