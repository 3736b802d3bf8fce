import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { calculateObjectSize } from 'bson';
import { ObjectId, type Db, type Document } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import { SaleLedger } from '../../server/ledger';
import { createLogger } from '../../server/logger';
import { MAX_UNITS } from '../../server/sales/sales.schemas';
import type { BenchContext } from '../lib/context';
import { idempotencyKey, pairOrder, pairRatios, planCrowd, median, type CrowdPlan } from '../lib/crowd-plan';
import { createCallers, createSale, type Caller } from '@flash-sale/harness';
import { percentile } from '../lib/watchers';

/** The crowd row's settings: 10 concurrent buyers; 7 pairs of 40 purchases after 20 unmeasured ones per sale. */
const PLAN = planCrowd({ units: MAX_UNITS, small: 300, pairs: 7, perRun: 40, warmUp: 20 });
/** Concurrent buyers of the measured runs. */
const CONCURRENCY = 10;
/** Concurrent commits of the in-process fill. */
const FILL_WORKERS = 32;
/** Bounds: the fill, each measured request, the outbox drain after the fill. */
const FILL_MAX_MS = 90_000;
const REQUEST_TIMEOUT_MS = 10_000;
const SETTLE_MS = 10_000;
const MIB = 1024 * 1024;

/** One side's measured latencies. */
export interface CrowdSide {
  /** Distinct buyers of the round at its first and last measured purchase (1-based). */
  fromBuyer: number;
  toBuyer: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** What the crowd row measured. */
export interface CrowdFigures {
  plan: CrowdPlan;
  concurrency: number;
  /** Median over the pairs of p50 (large sale's run) / p50 (small sale's run), and each pair's ratio. */
  ratio: number;
  ratios: number[];
  /** p50 of every large-sale sample over p50 of every small-sale sample (all pairs pooled). */
  pooledRatio: number;
  small: CrowdSide;
  large: CrowdSide;
  /** The in-process fill: purchases committed per sale, and how long it took. */
  filled: { small: number; large: number; ms: number };
  /** Answers of the warm-up and measured purchases by status (0: connection error or timeout). */
  statuses: Record<string, number>;
  fiveHundreds: number;
  /** Answers that were not 201. */
  otherAnswers: number;
  /** The large sale's document at the end: BSON bytes, entries of its maps; the small one's bytes. */
  docBytes: number;
  smallDocBytes: number;
  buyersEntries: number;
  keysEntries: number;
  /** Disagreements of the ledger after the row: sold + remaining vs units, orders vs documents, sold vs answers. */
  countErrors: number;
  tookMs: number;
}

/** One answer of a measured purchase. */
interface Timed {
  status: number;
  ms: number;
}

/** POSTs one purchase on a keep-alive agent and times it to the end of the answer; status 0 on error/timeout. */
function timedPurchase(
  agent: http.Agent,
  origin: URL,
  path: string,
  token: string,
  key: string,
): Promise<Timed> {
  const body = '{"quantity":1}';
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status: number) => resolve({ status, ms: performance.now() - started });
    const req = http.request(
      {
        host: origin.hostname,
        port: origin.port,
        path,
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': key,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.on('error', () => done(0));
        res.on('end', () => done(res.statusCode ?? 0));
        res.resume();
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0));
    req.end(body);
  });
}

/** A buyer of a measured purchase and the key it sends. */
interface Ticket {
  token: string;
  key: string;
}

/** Sends `tickets` purchases, `CONCURRENCY` at a time; every answer's status and latency. */
async function timedRun(agent: http.Agent, origin: URL, saleId: string, tickets: Ticket[]): Promise<Timed[]> {
  const out: Timed[] = [];
  let next = 0;
  const path = `/api/sales/${saleId}/purchases`;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tickets.length) {
        const ticket = tickets[next++];
        out.push(await timedPurchase(agent, origin, path, ticket.token, ticket.key));
      }
    }),
  );
  return out;
}

/**
 * Fills sales through the ledger's own commit path in this process, as the purchase service does after its
 * checks: one atomic update of the sale (tally, key digest, position, outbox entry), one insert of the purchase
 * document, the outbox entry removed by the ledger's drain. The HTTP part of the path is what the measured runs
 * time; filling 10,000 buyers through it would take minutes on a busy 2-core machine. Bounded by FILL_MAX_MS.
 */
async function fillThroughLedger(
  ctx: BenchContext,
  jobs: { saleId: string; buyers: Caller[]; tag: string }[],
  filler: string,
): Promise<number[]> {
  const connection = await mongoose
    .createConnection(ctx.mongodbUri, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  const ledger = new SaleLedger(connection);
  const drain = ledger.outboxDrain(createLogger({ level: 'error', json: false, silent: true }));
  const purchases = ctx.db.collection('purchases');
  const deadline = Date.now() + FILL_MAX_MS;
  const committed = jobs.map(() => 0);
  try {
    for (const [j, job] of jobs.entries()) {
      const sale = await ctx.db.collection('sales').findOne({ _id: new ObjectId(job.saleId) });
      if (!sale) throw new Error(`crowd: no sale ${job.saleId}`);
      let next = 0;
      const worker = async () => {
        while (next < job.buyers.length && Date.now() < deadline) {
          const i = next++;
          const buyer = job.buyers[i];
          const userId = new Types.ObjectId(buyer.id);
          const purchaseId = new Types.ObjectId();
          const key = idempotencyKey(job.tag, i, filler);
          const now = new Date();
          const done = await ledger.commit({
            saleId: sale._id,
            round: sale.round,
            purchaseId,
            userId,
            userHex: buyer.id,
            userName: buyer.name,
            quantity: 1,
            perUserLimit: sale.perUserLimit,
            idempotencyKey: key,
            now,
          });
          if (!done) throw new Error(`crowd: the fill's purchase ${i} on ${job.saleId} was refused`);
          await purchases.insertOne({
            _id: purchaseId,
            saleId: sale._id,
            round: sale.round,
            position: done.position,
            productId: sale.productId,
            userId,
            userName: buyer.name,
            quantity: 1,
            price: sale.price,
            currency: sale.currency,
            promo: true,
            idempotencyKey: key,
            remainingAfter: done.remaining,
            purchasedAt: done.purchasedAt,
          });
          drain.add(sale._id, job.saleId, purchaseId);
          committed[j] += 1;
        }
      };
      await Promise.all(Array.from({ length: FILL_WORKERS }, worker));
    }
  } finally {
    await drain.close();
    await connection.close();
  }
  return committed;
}

/** The sale documents once their outboxes are empty (or after SETTLE_MS). */
async function settled(db: Db, ids: string[]): Promise<Document[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const docs = await Promise.all(
      ids.map((id) => db.collection('sales').findOne({ _id: new ObjectId(id) })),
    );
    if (docs.some((d) => d === null)) throw new Error('crowd: a sale is gone');
    const pending = docs.some((d) => Object.keys(d!.pending ?? {}).length > 0);
    if (!pending || Date.now() > deadline) return docs as Document[];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Disagreements of one sale: sold + remaining vs units, purchase documents vs orders, sold vs `expected`. */
async function countErrors(db: Db, sale: Document, expected: number): Promise<number> {
  const docs = await db.collection('purchases').countDocuments({ saleId: sale._id, round: sale.round });
  return (
    Math.abs(sale.sold + sale.remaining - sale.units) +
    Math.abs(docs - sale.orders) +
    Math.abs(sale.sold - expected) +
    Object.keys(sale.pending ?? {}).length
  );
}

function side(latencies: number[], fromBuyer: number, toBuyer: number): CrowdSide {
  return {
    fromBuyer,
    toBuyer,
    samples: latencies.length,
    p50Ms: median(latencies),
    p99Ms: percentile(latencies, 99),
  };
}

/**
 * Issue 17's acceptance: purchase p50 at the 10,000th distinct buyer of a round against the 300th, with the
 * longest keys the contract allows. Two sales of 10,000 units, one per buyer: the small one is filled to 280
 * buyers, the large one to 9,700 - 20 (through the ledger, see fillThroughLedger); then, through the real HTTP
 * server, 20 unmeasured purchases on each, and 7 pairs of 40 measured purchases (10 concurrent buyers, each a
 * new buyer with its own 255-character Idempotency-Key), alternating which sale goes first. The small sale is
 * measured between its buyers 301 and 580, the large one between 9,701 and 10,000 (its last unit). The figure
 * is the median of the pairs' p50 ratios (large / small), so drift of the machine hits both sides of a pair.
 */
export async function measureCrowd(ctx: BenchContext): Promise<CrowdFigures> {
  const started = Date.now();
  const plan = PLAN;
  const filler = randomBytes(256).toString('base64url');
  const fields = { units: plan.units, perUserLimit: 1, perOrderLimit: 1 };
  const small = await createSale(ctx.app.url, ctx.admin.token, fields);
  const large = await createSale(ctx.app.url, ctx.admin.token, fields);

  // Accounts: the fill's buyers, then never-seen buyers for each side's measured purchases (so neither side finds
  // its buyers in the server's short-lived account cache).
  const fillers = await createCallers(ctx.db, ctx.jwtSecret, plan.fillLarge);
  const fresh = await createCallers(ctx.db, ctx.jwtSecret, 2 * plan.measuredPerSale);
  const t = Date.now();
  const [filledSmall, filledLarge] = await fillThroughLedger(
    ctx,
    [
      { saleId: small.id, buyers: fillers.slice(0, plan.fillSmall), tag: `s${small.id}` },
      { saleId: large.id, buyers: fillers, tag: `l${large.id}` },
    ],
    filler,
  );
  const fillMs = Date.now() - t;
  ctx.log(`   crowd: filled ${filledSmall} + ${filledLarge} buyers through the ledger in ${fillMs} ms`);
  await settled(ctx.db, [small.id, large.id]);

  const tickets = (saleTag: string, callers: Caller[]): Ticket[] =>
    callers.map((c, i) => ({ token: c.token, key: idempotencyKey(saleTag, 100_000 + i, filler) }));
  const queue = {
    small: tickets(`s${small.id}`, fresh.slice(0, plan.measuredPerSale)),
    large: tickets(`l${large.id}`, fresh.slice(plan.measuredPerSale)),
  };
  const ids = { small: small.id, large: large.id };
  const origin = new URL(ctx.app.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses: Record<string, number> = {};
  const created = { small: 0, large: 0 };
  const take = async (which: 'small' | 'large', count: number) => {
    const answers = await timedRun(agent, origin, ids[which], queue[which].splice(0, count));
    for (const a of answers) {
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (a.status === 201) created[which] += 1;
    }
    return answers.map((a) => a.ms);
  };
  const pairs: { small: number[]; large: number[] }[] = [];
  try {
    await take('small', plan.warmUp);
    await take('large', plan.warmUp);
    for (let p = 0; p < plan.pairs; p += 1) {
      const pair = { small: [] as number[], large: [] as number[] };
      for (const which of pairOrder(p)) pair[which] = await take(which, plan.perRun);
      pairs.push(pair);
    }
  } finally {
    agent.destroy();
  }

  const { ratio, ratios } = pairRatios(pairs);
  const all = { small: pairs.flatMap((p) => p.small), large: pairs.flatMap((p) => p.large) };
  const answered201 = statuses['201'] ?? 0;
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  const fiveHundreds = Object.entries(statuses)
    .filter(([code]) => Number(code) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  const [smallDoc, largeDoc] = await settled(ctx.db, [small.id, large.id]);
  // Every purchase must be in the ledger once: per sale, sold = fill + its 201 answers.
  const errors =
    (await countErrors(ctx.db, smallDoc, filledSmall + created.small)) +
    (await countErrors(ctx.db, largeDoc, filledLarge + created.large));
  return {
    plan,
    concurrency: CONCURRENCY,
    ratio,
    ratios,
    pooledRatio: median(all.large) / median(all.small),
    small: side(all.small, filledSmall + plan.warmUp + 1, filledSmall + plan.warmUp + all.small.length),
    large: side(all.large, filledLarge + plan.warmUp + 1, filledLarge + plan.warmUp + all.large.length),
    filled: { small: filledSmall, large: filledLarge, ms: fillMs },
    statuses,
    fiveHundreds,
    otherAnswers: requests - answered201,
    docBytes: calculateObjectSize(largeDoc),
    smallDocBytes: calculateObjectSize(smallDoc),
    buyersEntries: Object.keys(largeDoc.buyers ?? {}).length,
    keysEntries: Object.keys(largeDoc.keys ?? {}).length,
    countErrors: errors,
    tookMs: Date.now() - started,
  };
}

/** The document-size target: under 1 MiB. */
export const DOC_LIMIT_BYTES = MIB;
