import { performance } from 'node:perf_hooks';
import { ObjectId } from 'mongodb';
import { MAX_UNITS } from '../../server/sales/sales.schemas';
import type { BenchContext } from '../lib/context';
import { api, createCallers, createSale } from '@flash-sale/harness';
import { runLoad } from '../lib/http-load';
import { CpuMeter } from '../lib/cpu';
import { connectWatchers, percentile } from '../lib/watchers';

/** Push latency figures. */
export interface PushFigures {
  sockets: number;
  purchases: number;
  /** Socket.IO frames the purchases caused (two per purchase and socket). */
  frames: number;
  /**
   * CPU per frame while the purchases ran, in µs (the purchases' own handling included): the server under test,
   * and this process, which holds the sockets.
   */
  serverUsPerFrame: number;
  clientUsPerFrame: number;
  samples: number;
  /**
   * Samples where the socket had the update before the buyer had the purchase's answer (counted as 0 ms): the
   * change stream reports the sale update while the purchase is still writing its purchase document.
   */
  beforeAnswer: number;
  /** The same, measured from the moment the purchase was sent (an upper bound that includes the purchase). */
  fromSendP50Ms: number;
  fromSendP99Ms: number;
  /** Updates never seen by a socket within the bound. */
  missed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Sockets of the push-latency row. */
const PUSH_SOCKETS = 1000;
/** Purchases it times, one at a time. */
const PUSH_PURCHASES = 30;
/**
 * Purchases before them, not timed: the first pushes to 1,000 sockets run the broadcast path cold (the JIT), as
 * the other rows' first second does, and the buyer's first call reads its account and opens its limit window.
 */
const PUSH_WARM_UP = 3;
/**
 * Pause between them: longer than the 50 ms coalescing window, so every purchase is pushed on its own and at
 * once (the first change after a quiet window leaves without waiting).
 */
const PUSH_GAP_MS = 120;
/** Each purchase reaches each subscriber as a `sale:update` and a `sale:purchases`. */
const FRAMES_PER_PURCHASE = 2;

/**
 * 1,000 subscribed sockets; purchases one at a time (after a few untimed ones); for each purchase and each socket,
 * the time from the purchase's answer (as this process handled it) to the first update showing that purchase
 * (remaining at or below the answer's), and from the moment it was sent. Sockets and buyer run in this process,
 * so the figure includes the client's own time to handle 1,000 frames (its CPU per frame is reported too).
 */
export async function measurePush(ctx: BenchContext): Promise<PushFigures> {
  // 30 purchases of one buyer from a round of the most units the contract allows: never near sell-out.
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units: MAX_UNITS, perUserLimit: MAX_UNITS });
  const pool = await connectWatchers(ctx.app.url, sale.id, PUSH_SOCKETS, { budgetMs: 60_000 });
  try {
    if (pool.failed > 0) ctx.log(`push: ${pool.failed} sockets failed to subscribe`);
    const [buyer] = await createCallers(ctx.db, ctx.jwtSecret, 1);
    const answers: { remaining: number; at: number; sentAt: number }[] = [];
    const buy = async () => {
      const sentAt = performance.now();
      const res = await api(ctx.app.url, 'POST', `/api/sales/${sale.id}/purchases`, {
        token: buyer.token,
        body: { quantity: 1 },
      });
      const at = performance.now();
      if (res.status !== 201) throw new Error(`push: purchase answered ${res.status}`);
      await new Promise((resolve) => setTimeout(resolve, PUSH_GAP_MS));
      return { remaining: res.body.remaining as number, at, sentAt };
    };
    for (let i = 0; i < PUSH_WARM_UP; i += 1) await buy();
    const meter = new CpuMeter({ ...ctx.serverProcesses, client: process.pid });
    await meter.measure(async () => {
      for (let i = 0; i < PUSH_PURCHASES; i += 1) answers.push(await buy());
    });
    const frames = answers.length * pool.watchers.length * FRAMES_PER_PURCHASE;
    const cpu = meter.result(frames);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const latencies: number[] = [];
    const fromSend: number[] = [];
    let beforeAnswer = 0;
    let missed = 0;
    for (const { seen } of pool.watchers) {
      for (const answer of answers) {
        const update = seen.find((s) => s.remaining <= answer.remaining);
        if (!update) {
          missed += 1;
          continue;
        }
        const ms = update.at - answer.at;
        if (ms < 0) beforeAnswer += 1;
        latencies.push(Math.max(0, ms));
        fromSend.push(update.at - answer.sentAt);
      }
    }
    return {
      sockets: pool.watchers.length,
      purchases: answers.length,
      frames,
      serverUsPerFrame: cpu.server?.usPerRequest ?? NaN,
      clientUsPerFrame: cpu.client?.usPerRequest ?? NaN,
      samples: latencies.length,
      beforeAnswer,
      fromSendP50Ms: percentile(fromSend, 50),
      fromSendP99Ms: percentile(fromSend, 99),
      missed,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
    };
  } finally {
    pool.close();
  }
}

/** Fan-out figures. */
export interface FanOutFigures {
  /** Sockets asked for and sockets that connected and subscribed within the bound. */
  asked: number;
  held: number;
  connectMs: number;
  /** Sockets whose last update equals the sale's final state read from the database. */
  converged: number;
  /** Per socket, ms from the sell-out answer to the first update showing 0 remaining. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  withinOneSecond: number;
}

/**
 * Up to `count` subscribed sockets on one server process; a rush sells 200 units out; each socket's time from
 * the answer that took the last unit to its first sold-out update, and whether its last update equals the final
 * state in the database.
 */
export async function measureFanOut(ctx: BenchContext, count: number): Promise<FanOutFigures> {
  const units = 200;
  const sale = await createSale(ctx.app.url, ctx.admin.token, { units });
  const pool = await connectWatchers(ctx.app.url, sale.id, count, { concurrency: 200, budgetMs: 90_000 });
  try {
    const buyers = (await createCallers(ctx.db, ctx.jwtSecret, units * 2)).map((c) => `Bearer ${c.token}`);
    let soldOutAt = NaN;
    await runLoad({
      url: ctx.app.url,
      connections: 50,
      amount: buyers.length,
      path: () => `/api/sales/${sale.id}/purchases`,
      body: JSON.stringify({ quantity: 1 }),
      headers: (i) => ({ authorization: buyers[i] }),
      onResponse: (status, body) => {
        if (status === 201 && (JSON.parse(body) as { remaining: number }).remaining === 0) {
          soldOutAt = performance.now();
        }
      },
    });
    if (Number.isNaN(soldOutAt)) throw new Error('fan-out: the sale did not sell out');
    // Wait (bounded) until every socket shows the end, or 5 s have passed.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && pool.watchers.some((w) => w.seen.at(-1)?.remaining !== 0)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const final = await ctx.db.collection('sales').findOne({ _id: new ObjectId(sale.id) });
    const delays: number[] = [];
    let converged = 0;
    for (const { seen } of pool.watchers) {
      const last = seen.at(-1);
      if (last && final && last.version === final.version && last.remaining === final.remaining)
        converged += 1;
      const end = seen.find((s) => s.remaining === 0);
      delays.push(end ? Math.max(0, end.at - soldOutAt) : Infinity);
    }
    return {
      asked: count,
      held: pool.watchers.length,
      connectMs: pool.tookMs,
      converged,
      p50Ms: percentile(delays, 50),
      p99Ms: percentile(delays, 99),
      maxMs: percentile(delays, 100),
      withinOneSecond: delays.filter((d) => d <= 1000).length,
    };
  } finally {
    pool.close();
  }
}
