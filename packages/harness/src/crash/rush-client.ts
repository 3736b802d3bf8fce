import type { Caller } from '../fixtures';

/** One purchase attempt of a buyer, with its own Idempotency-Key (kept across retries, as a careful client does). */
export interface Attempt {
  buyer: Caller;
  key: string;
  quantity: number;
}

/** The final answer to one attempt. */
export interface Outcome {
  attempt: Attempt;
  status: number;
  code?: string;
  purchase?: { id: string; position: number; quantity: number; round: number };
  /** How many times it was sent (1 + retries after a network error or a 503). */
  sends: number;
}

/** What a rush gave. */
export interface RushResult {
  outcomes: Outcome[];
  /** Sends that failed at the network level (server gone) or answered 503, then were retried. */
  retries: number;
  /** Attempts that got no final answer before the deadline. */
  unanswered: number;
}

/** Options of `rush`. */
export interface RushOptions {
  /** Where to send; read again on every send (a restarted server may move). */
  baseUrl: () => string;
  saleId: string;
  attempts: Attempt[];
  concurrency: number;
  /** No attempt is started or retried after this (ms since epoch). */
  deadline: number;
  /** Called after each final answer with the number of attempts finished so far. */
  onProgress?: (done: number) => void;
  /** Pause before a retry (ms). */
  retryDelayMs?: number;
  /** Awaited before every send: closed while the server restarts, so nothing reaches it before a check. */
  gate?: () => Promise<void>;
}

const REFUSALS = new Set(['SOLD_OUT', 'INSUFFICIENT_STOCK', 'USER_LIMIT_REACHED']);

/** True for an answer a rush may legitimately get (anything else is a defect). */
export function isExpectedAnswer(outcome: Outcome): boolean {
  if (outcome.status === 201) return true;
  return outcome.status === 409 && REFUSALS.has(outcome.code ?? '');
}

/**
 * Sends every attempt, `concurrency` at a time. A send that fails at the network level (the server was killed)
 * or answers 503 (the database is away) is retried with the same Idempotency-Key until the deadline; any other
 * answer is final. So a purchase whose answer was lost is answered again from the ledger, never bought twice.
 */
export async function rush(options: RushOptions): Promise<RushResult> {
  const outcomes: Outcome[] = [];
  let retries = 0;
  let next = 0;
  const delay = options.retryDelayMs ?? 100;

  const send = async (attempt: Attempt): Promise<Outcome | null> => {
    for (let sends = 1; Date.now() < options.deadline; sends += 1) {
      await options.gate?.();
      try {
        const res = await fetch(`${options.baseUrl()}/api/sales/${options.saleId}/purchases`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${attempt.buyer.token}`,
            'idempotency-key': attempt.key,
          },
          body: JSON.stringify({ quantity: attempt.quantity }),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.status === 503) throw new Error('503');
        const body = JSON.parse(text) as { purchase?: Outcome['purchase']; error?: { code: string } };
        return { attempt, status: res.status, code: body.error?.code, purchase: body.purchase, sends };
      } catch {
        retries += 1;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return null;
  };

  const worker = async () => {
    while (next < options.attempts.length && Date.now() < options.deadline) {
      const attempt = options.attempts[next++];
      const outcome = await send(attempt);
      if (outcome) {
        outcomes.push(outcome);
        options.onProgress?.(outcomes.length);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { outcomes, retries, unanswered: options.attempts.length - outcomes.length };
}

/**
 * The attempts of a rush: each buyer once, with quantities 1..perOrderLimit in turn; every tenth buyer at once a
 * second time (another key, the largest quantity), so the two race each other and some buyers hit the per-user
 * limit (when it equals the order limit). Deterministic for a given list of buyers.
 */
export function planAttempts(buyers: Caller[], perOrderLimit: number): Attempt[] {
  return buyers.flatMap((buyer, i) => {
    const first: Attempt = { buyer, key: `a-${i}`, quantity: 1 + (i % perOrderLimit) };
    return i % 10 === 0 ? [first, { buyer, key: `b-${i}`, quantity: perOrderLimit }] : [first];
  });
}
