import { ObjectId } from 'mongodb';
import { startAppServer, type AppServer } from '../app-server';
import { api, createCallers, createSale, openDb, type Caller } from '../fixtures';
import { startDatabaseProcess, type DatabaseProcess } from '../processes';
import { startAppOn } from './app-rig';
import {
  checkLedger,
  leaderboardItems,
  leaderboardLedgerProblems,
  leaderboardPositions,
  leaderboardProblems,
  waitForDrained,
} from './ledger';
import { isExpectedAnswer, planAttempts, rush } from './rush-client';

/** The database process, the server child (replaced at every kill) and a driver handle. */
export interface CrashEnv {
  database: DatabaseProcess;
  mongodbUri: string;
  jwtSecret: string;
  port: number;
  server: AppServer;
  admin: Caller;
  handle: Awaited<ReturnType<typeof openDb>>;
  log: (line: string) => void;
  close(): Promise<void>;
}

/** What one iteration did and found. */
export interface IterationReport {
  iteration: number;
  saleId: string;
  /** Attempts answered when the kill was sent, out of all attempts. */
  killedAt: { answered: number; of: number };
  restartMs: number;
  /** The first leaderboard read right at readiness after the restart: units listed, and `sold` then. */
  atReadiness: { listed: number; sold: number };
  /** Final answers by status/code, e.g. {"201": 1400, "409 SOLD_OUT": 700}. */
  answers: Record<string, number>;
  retries: number;
  /** Purchases committed by the killed process whose documents the reconciler wrote. */
  restored: number;
  /** How long the outbox took to empty after the rush (the drain's timer; nothing was left to reconcile). */
  drainMs: number;
  sold: number;
  units: number;
  /** Status of a purchase made after the checks (201 expected). */
  nextPurchase: number;
  problems: string[];
  tookMs: number;
}

/** Shape of one crash run. */
export interface CrashOptions {
  buyers: number;
  units: number;
  perLimit: number;
  concurrency: number;
  /** Random source in [0, 1): decides the kill instant. */
  random: () => number;
}

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts the embedded database as its own process (its CLI) and the server as a child with MONGODB_URI pointing
 * at it and a JWT_SECRET this process also knows, so buyers' tokens are minted here (no registration, no bcrypt).
 */
export async function startCrashEnv(log: (line: string) => void): Promise<CrashEnv> {
  const database = await startDatabaseProcess();
  try {
    const url = new URL(database.uri);
    url.pathname = '/crash';
    const app = await startAppOn(url.toString());
    const env: CrashEnv = {
      database,
      ...app,
      log,
      close: async () => {
        await app.handle.close();
        await env.server.process.stop(5000);
        await database.process.stop(5000);
      },
    };
    return env;
  } catch (error) {
    await database.process.kill();
    throw error;
  }
}

/** What a kill and restart gave. */
interface Restart {
  restartMs: number;
  atReadiness: { listed: number; sold: number };
  problems: string[];
}

/**
 * SIGKILLs the server and starts a new one on the same port. Right at readiness (no purchase reaches the new
 * server before: the rush waits at its gate), the first leaderboard read must add up to `sold`, with positions
 * 1..n and non-decreasing times: ready means reconciled, with no wait for a later reconciler run.
 */
async function killAndRestart(env: CrashEnv, saleId: string, perUserLimit: number): Promise<Restart> {
  await env.server.process.kill();
  const started = Date.now();
  env.server = await startAppServer({ mongodbUri: env.mongodbUri, jwtSecret: env.jwtSecret, port: env.port });
  const restartMs = Date.now() - started;
  const sale = await env.handle.db.collection('sales').findOne({ _id: new ObjectId(saleId) });
  if (!sale) throw new Error(`no sale ${saleId}`);
  const items = await leaderboardItems(env.server.url, saleId, sale.round as number);
  const after = await env.handle.db.collection('sales').findOne({ _id: new ObjectId(saleId) });
  const problems = leaderboardLedgerProblems(items, { sold: sale.sold, orders: sale.orders, perUserLimit });
  if (after?.sold !== sale.sold) problems.push('a purchase reached the server before the readiness check');
  return {
    restartMs,
    atReadiness: { listed: items.reduce((n, item) => n + item.quantity, 0), sold: sale.sold as number },
    problems: problems.map((p) => `at readiness: ${p}`),
  };
}

/**
 * One iteration: a new sale, a rush of `buyers` (plus second attempts by every tenth), SIGKILL of the server once a
 * random share (5–80 %) of the attempts is answered, a restart, the rush finishing through retries with the same
 * Idempotency-Keys; then, once the reconciler has restored what the killed process left behind, every check.
 */
export async function crashIteration(
  env: CrashEnv,
  iteration: number,
  options: CrashOptions,
): Promise<IterationReport> {
  const started = Date.now();
  const sale = await createSale(env.server.url, env.admin.token, {
    units: options.units,
    perOrderLimit: options.perLimit,
    perUserLimit: options.perLimit,
  });
  const attempts = planAttempts(
    await createCallers(env.handle.db, env.jwtSecret, options.buyers),
    options.perLimit,
  );
  const killAt = Math.floor(attempts.length * (0.05 + 0.75 * options.random()));
  // A holder, not a `let`: it is set inside a callback.
  const restart: { done: Promise<Restart> | null } = { done: null };
  const result = await rush({
    baseUrl: () => env.server.url,
    saleId: sale.id,
    attempts,
    concurrency: options.concurrency,
    deadline: Date.now() + 90_000,
    gate: async () => {
      await restart.done;
    },
    onProgress: (done) => {
      if (done === killAt) restart.done = killAndRestart(env, sale.id, options.perLimit);
    },
  });
  const restarted = restart.done ? await restart.done : null;

  const problems: string[] = [];
  if (!restarted) problems.push('the kill never happened');
  else problems.push(...restarted.problems);
  if (result.unanswered > 0) problems.push(`${result.unanswered} attempts never answered`);
  const answers: Record<string, number> = {};
  for (const o of result.outcomes) {
    const label = o.code ? `${o.status} ${o.code}` : String(o.status);
    answers[label] = (answers[label] ?? 0) + 1;
    if (!isExpectedAnswer(o)) problems.push(`unexpected answer ${label} to ${o.attempt.key}`);
  }

  // Every committed purchase has its document as soon as the rush is answered (the start-up reconciliation
  // restored those of the killed process); only the drain's removals may still be under way.
  problems.push(...(await documentsMissing(env, sale.id)));
  const drainMs = await waitForDrained(env.handle.db, sale.id, 5000);
  const ledger = await checkLedger(env.handle.db, sale.id);
  problems.push(...ledger.problems);
  problems.push(...(await answersMatchLedger(env, sale.id, result.outcomes)));
  const positions = await leaderboardPositions(env.server.url, sale.id, ledger.round);
  problems.push(...leaderboardProblems(positions, ledger.orders));
  const restored = await env.handle.db
    .collection('purchases')
    .countDocuments({ saleId: new ObjectId(sale.id), remainingAfter: null });
  const nextPurchase = await purchaseStillWorks(env, sale.id, ledger.remaining);
  if (nextPurchase !== 201) problems.push(`the next purchase answered ${nextPurchase}`);
  return {
    iteration,
    saleId: sale.id,
    killedAt: { answered: killAt, of: attempts.length },
    restartMs: restarted?.restartMs ?? -1,
    atReadiness: restarted?.atReadiness ?? { listed: -1, sold: -1 },
    answers,
    retries: result.retries,
    restored,
    drainMs,
    sold: ledger.sold,
    units: ledger.units,
    nextPurchase,
    problems,
    tookMs: Date.now() - started,
  };
}

/** Purchases the sale counts in its round without a purchase document, in words (none expected). */
async function documentsMissing(env: CrashEnv, saleId: string): Promise<string[]> {
  const _id = new ObjectId(saleId);
  const sale = await env.handle.db
    .collection('sales')
    .findOne({ _id }, { projection: { orders: 1, round: 1 } });
  if (!sale) throw new Error(`no sale ${saleId}`);
  const docs = await env.handle.db.collection('purchases').countDocuments({ saleId: _id, round: sale.round });
  return docs === sale.orders ? [] : [`after the rush: ${docs} purchase documents for ${sale.orders} orders`];
}

/** Every 201 answer (first or replayed) names a purchase document with the same id, round, position and quantity. */
async function answersMatchLedger(
  env: CrashEnv,
  saleId: string,
  outcomes: Awaited<ReturnType<typeof rush>>['outcomes'],
): Promise<string[]> {
  const wins = outcomes.filter((o) => o.status === 201 && o.purchase);
  const docs = await env.handle.db
    .collection('purchases')
    .find({ _id: { $in: wins.map((o) => new ObjectId(o.purchase!.id)) } })
    .toArray();
  const byId = new Map(docs.map((d) => [String(d._id), d]));
  const problems: string[] = [];
  for (const o of wins) {
    const doc = byId.get(o.purchase!.id);
    if (!doc) problems.push(`answered purchase ${o.purchase!.id} has no document`);
    else if (doc.position !== o.purchase!.position || doc.quantity !== o.purchase!.quantity) {
      problems.push(`answered purchase ${o.purchase!.id} differs from its document`);
    } else if (String(doc.saleId) !== saleId || String(doc.userId) !== o.attempt.buyer.id) {
      problems.push(`answered purchase ${o.purchase!.id} belongs to another sale or user`);
    }
  }
  return problems;
}

/** A new buyer buys one unit after the crash: in this round if any is left, else in a new round. */
async function purchaseStillWorks(env: CrashEnv, saleId: string, remaining: number): Promise<number> {
  if (remaining === 0) {
    const opened = await api(env.server.url, 'POST', `/api/sales/${saleId}/rounds`, {
      token: env.admin.token,
      body: { startsAt: new Date(Date.now() - 1000).toISOString() },
    });
    if (opened.status !== 201) return opened.status;
  }
  const [buyer] = await createCallers(env.handle.db, env.jwtSecret, 1);
  const res = await api(env.server.url, 'POST', `/api/sales/${saleId}/purchases`, {
    token: buyer.token,
    body: { quantity: 1 },
  });
  return res.status;
}

/** One line per iteration, for the console. */
export function describeIteration(r: IterationReport): string {
  const answers = Object.entries(r.answers)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
  return (
    `#${r.iteration} killed at ${r.killedAt.answered}/${r.killedAt.of} answered, restart ${r.restartMs} ms, ` +
    `at readiness ${r.atReadiness.listed} listed for ${r.atReadiness.sold} sold, ` +
    `retries ${r.retries}, restored ${r.restored}, drained in ${r.drainMs} ms, sold ${r.sold}/${r.units}; ` +
    `${answers}; next purchase ${r.nextPurchase}; ${r.problems.length ? `PROBLEMS: ${r.problems.join('; ')}` : 'exact'} ` +
    `(${(r.tookMs / 1000).toFixed(1)} s)`
  );
}
