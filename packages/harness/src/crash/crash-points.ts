import { ObjectId, type Db } from 'mongodb';
import { spawnAppServer, startAppServer, type AppServer } from '../app-server';
import { api, createCallers, createSale, type Caller } from '../fixtures';
import { start, type EmbeddedMongo } from '@flash-sale/embedded-mongo';
import { startAppOn } from './app-rig';
import { checkLedger, leaderboardItems, leaderboardLedgerProblems } from './ledger';

/**
 * The database runs in this process (its fault hooks are plain calls), the server as a child process on its TCP
 * port, so the test can stop the database at one step of a protocol and SIGKILL the server right there.
 */
export interface PauseEnv {
  database: EmbeddedMongo;
  mongodbUri: string;
  jwtSecret: string;
  port: number;
  server: AppServer;
  admin: Caller;
  db: Db;
  close(): Promise<void>;
}

/** A sale of the crash-point tests: few units, a per-user limit of 2. */
export interface TestSale {
  id: string;
  units: number;
  perUserLimit: number;
}

/** A purchase a request made (or died making), and the key a client repeats. */
export interface KeyedPurchase {
  buyer: Caller;
  saleId: string;
  key: string;
  quantity: number;
  /** The purchase id the ledger gave it. */
  purchaseId: string;
}

export async function startPauseEnv(): Promise<PauseEnv> {
  const database = await start();
  try {
    const { handle, ...app } = await startAppOn(`${database.uri}crashpoints`);
    const env: PauseEnv = {
      database,
      ...app,
      db: handle.db,
      close: async () => {
        await env.server.process.stop(5000);
        await handle.close();
        await database.stop();
      },
    };
    return env;
  } catch (error) {
    await database.stop();
    throw error;
  }
}

/** Rejects with `what` when `promise` takes longer than `ms` (every wait of these tests is bounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function newSale(env: PauseEnv, units = 10): Promise<TestSale> {
  const sale = await createSale(env.server.url, env.admin.token, {
    units,
    perOrderLimit: 2,
    perUserLimit: 2,
  });
  return { id: sale.id, units, perUserLimit: 2 };
}

/** One purchase through the API; resolves with the status and body, or 'no answer' when the server died. */
export function purchase(
  env: PauseEnv,
  buyer: Caller,
  saleId: string,
  quantity: number,
  key?: string,
): Promise<{ status: number; body: any } | 'no answer'> {
  return api(env.server.url, 'POST', `/api/sales/${saleId}/purchases`, {
    token: buyer.token,
    body: { quantity },
    headers: key === undefined ? {} : { 'idempotency-key': key },
    timeoutMs: 20_000,
  }).then(
    (reply) => reply,
    () => 'no answer' as const,
  );
}

/** A finished purchase (201 expected) with a key, as a client that may repeat it remembers it. */
export async function purchased(
  env: PauseEnv,
  buyer: Caller,
  saleId: string,
  quantity: number,
  key: string,
): Promise<KeyedPurchase> {
  const reply = await purchase(env, buyer, saleId, quantity, key);
  if (reply === 'no answer' || reply.status !== 201) {
    throw new Error(`purchase answered ${reply === 'no answer' ? reply : JSON.stringify(reply)}`);
  }
  return { buyer, saleId, key, quantity, purchaseId: reply.body.purchase.id as string };
}

/** Buyers whose accounts exist (tokens follow their account). */
export function buyers(env: PauseEnv, count: number): Promise<Caller[]> {
  return createCallers(env.db, env.jwtSecret, count);
}

/** The sale document, straight from the database. */
export async function saleDoc(env: PauseEnv, saleId: string): Promise<Record<string, any>> {
  const sale = await env.db.collection('sales').findOne({ _id: new ObjectId(saleId) });
  if (!sale) throw new Error(`no sale ${saleId}`);
  return sale;
}

/** Which of these purchase ids have a document. */
export async function purchaseDocs(env: PauseEnv, ids: string[]): Promise<Set<string>> {
  const docs = await env.db
    .collection('purchases')
    .find({ _id: { $in: ids.map((id) => new ObjectId(id)) } }, { projection: { _id: 1 } })
    .toArray();
  return new Set(docs.map((doc) => String(doc._id)));
}

/** Waits until the outbox of a sale is empty (the drain runs 100 ms after a purchase); bounded. */
export async function drained(env: PauseEnv, saleId: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Object.keys((await saleDoc(env, saleId)).pending ?? {}).length > 0) {
    if (Date.now() > deadline) throw new Error(`the outbox of ${saleId} was not drained within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGKILLs the server and waits until it is gone. */
export async function killServer(env: PauseEnv): Promise<void> {
  await env.server.process.kill();
}

/** Starts a server on the same port without waiting for readiness (to kill it while it starts). */
export async function spawnServer(env: PauseEnv): Promise<void> {
  env.server = await spawnAppServer({ mongodbUri: env.mongodbUri, jwtSecret: env.jwtSecret, port: env.port });
}

/** Starts a server on the same port; resolves at the first 200 of /readyz. */
export async function restartServer(env: PauseEnv): Promise<void> {
  env.server = await startAppServer({ mongodbUri: env.mongodbUri, jwtSecret: env.jwtSecret, port: env.port });
}

/** The first answer of /readyz once the server listens (it may listen before it is ready); bounded. */
export async function firstReadyzStatus(env: PauseEnv): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`${env.server.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (res) => res.status,
      () => null,
    );
    if (status !== null) return status;
    if (Date.now() > deadline) throw new Error('the server did not listen within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The checks right at readiness, in this order: every page of the current round's leaderboard first, then the
 * ledger in the database. The leaderboard must already add up to `sold` (ready means reconciled), with positions
 * 1..n, non-decreasing times and nobody over the limit; the database must hold the same (see `checkLedger`).
 */
export async function ledgerProblemsAtReadiness(env: PauseEnv, sale: TestSale): Promise<string[]> {
  const round = (await saleDoc(env, sale.id)).round as number;
  const items = await leaderboardItems(env.server.url, sale.id, round);
  const ledger = await checkLedger(env.db, sale.id);
  const problems = ledger.problems.map((p) => `ledger: ${p}`);
  if (ledger.round !== round) problems.push(`a round opened while checking (${round} → ${ledger.round})`);
  problems.push(
    ...leaderboardLedgerProblems(items, {
      sold: ledger.sold,
      orders: ledger.orders,
      perUserLimit: sale.perUserLimit,
    }),
  );
  return problems;
}

/**
 * Repeats each killed or answered request with its Idempotency-Key: each must answer 201 with the same purchase
 * id (the contract: the first answer again) and buy nothing more.
 */
export async function replayProblems(env: PauseEnv, purchases: KeyedPurchase[]): Promise<string[]> {
  const problems: string[] = [];
  const sales = [...new Set(purchases.map((p) => p.saleId))];
  const before = await Promise.all(sales.map((id) => saleDoc(env, id)));
  for (const p of purchases) {
    const reply = await purchase(env, p.buyer, p.saleId, p.quantity, p.key);
    if (reply === 'no answer') problems.push(`replay of ${p.key}: no answer`);
    else if (reply.status !== 201) problems.push(`replay of ${p.key} answered ${reply.status}`);
    else if (reply.body.purchase.id !== p.purchaseId) {
      problems.push(`replay of ${p.key} answered purchase ${reply.body.purchase.id}, not ${p.purchaseId}`);
    }
  }
  const after = await Promise.all(sales.map((id) => saleDoc(env, id)));
  for (const [i, sale] of after.entries()) {
    if (sale.sold !== before[i].sold || sale.orders !== before[i].orders || sale.round !== before[i].round) {
      problems.push(`replays changed sale ${sales[i]}: sold ${before[i].sold} → ${sale.sold}`);
    }
  }
  return problems;
}
