import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Types, type Connection } from 'mongoose';
import { io as ioClient, type Socket } from 'socket.io-client';
import { createApp, type App } from '../../server/app';
import { createTokenService } from '../../server/auth/tokens';
import { loadConfig } from '../../server/config';
import { openConnection } from '../../server/db/connect';
import { start, type EmbeddedMongo } from '@flash-sale/embedded-mongo';
import { createLogger } from '../../server/logger';
import { userModel } from '../../server/users/user.model';
import type { SaleUpdate, SubscribeAck } from '../../server/live';
import { api, createSale, type Caller, checkLedger, waitForReconciled } from '@flash-sale/harness';

/** No request may take longer than this, fault or not. */
export const ANSWER_BOUND_MS = 5000;

/**
 * The full app (jobs on unless asked otherwise, real clock: the reconciler and the change stream recover by
 * themselves) on its own embedded database, started in this process so the test holds the database's fault hooks.
 */
export interface FaultRig {
  db: EmbeddedMongo;
  app: App;
  connection: Connection;
  url: string;
  admin: Caller;
  /** Callers whose accounts exist (the server refuses tokens of accounts that do not). */
  callers(count: number): Promise<Caller[]>;
  close(): Promise<void>;
}

/** What a rig may change: environment over the rig's own (rate limits raised), and whether the jobs run. */
export interface RigOptions {
  env?: Record<string, string>;
  jobs?: boolean;
}

/** Starts a rig; resolves once the app listens. */
export async function startRig(options: RigOptions = {}): Promise<FaultRig> {
  const db = await start({});
  const connection = await openConnection(db.uri, 'faults');
  const config = loadConfig({
    NODE_ENV: 'test',
    PURCHASE_RATE_LIMIT: '1000000',
    AUTH_RATE_LIMIT: '1000000',
    ...options.env,
  });
  const logger = createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS });
  const app = await createApp({ config, connection, logger, jobs: options.jobs ?? true });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const tokens = createTokenService(config.jwt.key, config.jwt.expiresInSeconds);
  const callers = async (count: number, role: 'user' | 'admin'): Promise<Caller[]> => {
    const docs = Array.from({ length: count }, (_, i) => {
      const _id = new Types.ObjectId();
      return {
        _id,
        name: `${role}-${i}`,
        email: `${_id.toHexString()}@faults.local`,
        passwordHash: '!',
        role,
      };
    });
    await userModel(connection).insertMany(docs);
    return docs.map(({ _id, name }) => {
      const id = _id.toHexString();
      return { id, name, token: tokens.sign({ id, name, role }) };
    });
  };
  const [admin] = await callers(1, 'admin');
  return {
    db,
    app,
    connection,
    url,
    admin,
    callers: (count) => callers(count, 'user'),
    close: async () => {
      await app.close();
      await connection.close().catch(() => undefined);
      await db.stop();
    },
  };
}

/** A sale that starts now, made through the API. */
export function newSale(rig: FaultRig, fields: Record<string, unknown> = {}) {
  return createSale(rig.url, rig.admin.token, fields);
}

/** One timed answer. */
export interface Timed {
  status: number;
  code?: string;
  ms: number;
  body: any;
}

/** One request, timed; a network failure or a timeout past the bound is a status 0. */
export async function timed(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await api(url, method, path, { ...options, timeoutMs: ANSWER_BOUND_MS + 1000 });
    return {
      status: res.status,
      code: res.body?.error?.code,
      ms: performance.now() - started,
      body: res.body,
    };
  } catch {
    return { status: 0, ms: performance.now() - started, body: undefined };
  }
}

/** Purchases by each caller (one each, with an Idempotency-Key), `concurrency` at a time. */
export async function purchaseRush(
  rig: FaultRig,
  saleId: string,
  buyers: Caller[],
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<Timed[]> {
  const answers: Timed[] = new Array(buyers.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < buyers.length) {
      const i = next++;
      answers[i] = await timed(rig.url, 'POST', `/api/sales/${saleId}/purchases`, {
        token: buyers[i].token,
        body: { quantity: 1 },
        headers: { 'idempotency-key': `k-${i}` },
      });
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

const REFUSALS = new Set(['SOLD_OUT', 'INSUFFICIENT_STOCK', 'USER_LIMIT_REACHED']);

/** Answers outside what a fault may produce (201, a 409 refusal, 503 SERVICE_UNAVAILABLE) or past the bound. */
export function badAnswers(answers: Timed[]): string[] {
  const bad: string[] = [];
  for (const a of answers) {
    const allowed =
      a.status === 201 ||
      (a.status === 409 && REFUSALS.has(a.code ?? '')) ||
      (a.status === 503 && a.code === 'SERVICE_UNAVAILABLE');
    if (!allowed) bad.push(`${a.status} ${JSON.stringify(a.body)}`);
    else if (a.ms > ANSWER_BOUND_MS) bad.push(`${a.status} after ${Math.round(a.ms)} ms`);
  }
  return bad;
}

/**
 * After the fault: sends again, with the same Idempotency-Key, every purchase that got 503 (as a client would),
 * until each has a final answer (bounded). Returns the final answers, in the order of `buyers`.
 */
export async function retryUnavailable(
  rig: FaultRig,
  saleId: string,
  buyers: Caller[],
  answers: Timed[],
  timeoutMs = 20_000,
): Promise<Timed[]> {
  const deadline = Date.now() + timeoutMs;
  const final = [...answers];
  for (let i = 0; i < final.length; i += 1) {
    while ((final[i].status === 503 || final[i].status === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      final[i] = await timed(rig.url, 'POST', `/api/sales/${saleId}/purchases`, {
        token: buyers[i].token,
        body: { quantity: 1 },
        headers: { 'idempotency-key': `k-${i}` },
      });
    }
  }
  return final;
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes; returns its last result. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A subscribed socket and the last update it got. */
export interface Viewer {
  socket: Socket;
  last(): SaleUpdate | undefined;
}

/** Connects `count` sockets subscribed to a sale (websocket; reconnection on, as the demo page has it). */
export async function viewers(rig: FaultRig, saleId: string, count: number): Promise<Viewer[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = ioClient(rig.url, { transports: ['websocket'], forceNew: true });
      let last: SaleUpdate | undefined;
      socket.on('sale:update', (update: SaleUpdate) => {
        if (!last || update.version >= last.version) last = update;
      });
      // Resubscribe after a reconnect, as a page would.
      const subscribe = async () => {
        const ack: SubscribeAck = await socket.timeout(ANSWER_BOUND_MS).emitWithAck('sale:subscribe', saleId);
        if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.code}`);
        if (!last || ack.sale.version >= last.version) {
          const { remaining, sold, round, units, status, version } = ack.sale;
          last = { saleId, remaining, sold, round, units, status, version, at: ack.sale.serverTime };
        }
      };
      socket.io.on('reconnect', () => void subscribe().catch(() => undefined));
      await subscribe();
      return { socket, last: () => last };
    }),
  );
}

/** True when every viewer's last update is the sale's state in the database (version and stock). */
export async function viewersConverged(rig: FaultRig, saleId: string, all: Viewer[]): Promise<boolean> {
  const sale = await rig.connection.db!.collection('sales').findOne({ _id: new Types.ObjectId(saleId) });
  return all.every((v) => v.last()?.version === sale?.version && v.last()?.remaining === sale?.remaining);
}

/** What `recoverAndCheck` found; every list must be empty and every flag true. */
export interface Recovery {
  /** Answers after the retries that are still not final, or not allowed. */
  bad: string[];
  ledgerProblems: string[];
  /** Distinct purchases answered 201 (first answer or replay) and purchase documents of the round. */
  answered: number;
  documents: number;
  ready: boolean;
  /** Status of a purchase made after the fault. */
  nextPurchase: number;
  /** Every viewer ended on the database's state, including that last purchase (the change stream resumed). */
  converged: boolean;
}

/**
 * After a fault: the app must come back by itself. Waits (bounded) for /readyz, re-sends every purchase that got
 * 503 with its Idempotency-Key, waits for the reconciler, checks the ledger and that the 201 answers are exactly
 * the purchase documents, makes one more purchase, and waits for every viewer to show the final state.
 */
export async function recoverAndCheck(
  rig: FaultRig,
  saleId: string,
  buyers: Caller[],
  answers: Timed[],
  all: Viewer[],
): Promise<Recovery> {
  const ready = await eventually(async () => (await timed(rig.url, 'GET', '/readyz')).status === 200, 15_000);
  const final = await retryUnavailable(rig, saleId, buyers, answers);
  const bad = badAnswers(final);
  for (const a of final) if (a.status === 503 || a.status === 0) bad.push(`still ${a.status} after retries`);
  const db = rig.connection.db!;
  await waitForReconciled(db, saleId, 15_000);
  const ledger = await checkLedger(db, saleId);
  const answered = new Set(final.filter((a) => a.status === 201).map((a) => a.body.purchase.id as string))
    .size;

  const [late] = await rig.callers(1);
  if (ledger.remaining === 0) {
    await timed(rig.url, 'POST', `/api/sales/${saleId}/rounds`, {
      token: rig.admin.token,
      body: { startsAt: new Date(Date.now() - 1000).toISOString() },
    });
  }
  const next = await timed(rig.url, 'POST', `/api/sales/${saleId}/purchases`, {
    token: late.token,
    body: { quantity: 1 },
  });
  const converged = await eventually(() => viewersConverged(rig, saleId, all), 10_000);
  return {
    bad,
    ledgerProblems: ledger.problems,
    answered,
    documents: ledger.purchaseDocs,
    ready,
    nextPurchase: next.status,
    converged,
  };
}
