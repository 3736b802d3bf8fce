/**
 * The purchase update on a sale document whose `buyers` and `keys` maps are small or large: p50 / p99 of one
 * findOneAndUpdate under concurrent callers, with an outbox drain (`$unset` + `$pull`) and a change stream
 * running as the server runs them. Batches of the two sizes alternate, each on a fresh document, so drift of
 * a noisy machine hits both alike and a map never grows far past its nominal size.
 */
import { randomBytes } from 'node:crypto';
import { BSON, ObjectId, type Collection, type Db, type Document } from 'mongodb';

/** What one run measures. */
export interface LargeDocOptions {
  /** Entries of `buyers` and of `keys` at the start of each batch, e.g. [300, 10_000]. */
  sizes: number[];
  /** Concurrent callers. */
  callers: number;
  /** Updates per batch (each batch starts from a fresh document). */
  batchOps: number;
  /** Batches per size. */
  batches: number;
  /** Warm-up updates per size, not counted. */
  warmUp: number;
  /** The run stops after this many ms even if batches remain (bounded run time). */
  maxMs: number;
  /** Called after each batch, e.g. for a progress line. */
  log?: (line: string) => void;
  /** CPU ms the database process has used so far, when it can be read (a child process). */
  serverCpuMs?: () => number | null;
}

/** The figures of one size. */
export interface SizeFigures {
  entries: number;
  /** BSON bytes of the document at the start of a batch, and at the end of the last one. */
  docBytes: number;
  docBytesEnd: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  /** Updates that found no document (must be 0: every caller uses a fresh buyer and key). */
  misses: number;
  /** Change events of these updates the stream delivered. */
  events: number;
  /** Database CPU per update in µs (drain and stream included), when it could be read. */
  serverCpuUs?: number;
}

/** The figures of a run; `ratio` is p50 of the largest size over p50 of the smallest. */
export interface LargeDocResult {
  sizes: SizeFigures[];
  ratio: number;
  tookMs: number;
}

const LIVE_FIELDS = ['remaining', 'sold', 'orders'];

/** The sale document as the driver's types need it (`$push` to `seq`). */
type Sale = { seq: ObjectId[] };
type Sales = Collection<Sale>;
const hex = () => randomBytes(12).toString('hex');
const digest = () => randomBytes(15).toString('base64url');

/** A sale document with `entries` buyers and idempotency keys, an empty outbox. */
function saleDocument(entries: number): Sale & Document {
  const buyers: Record<string, number> = {};
  const keys: Record<string, boolean> = {};
  for (let i = 0; i < entries; i++) {
    buyers[hex()] = 1;
    keys[digest()] = true;
  }
  return {
    _id: new ObjectId(),
    productId: new ObjectId(),
    name: 'Mechanical keyboard, limited edition',
    round: 3,
    startsAt: new Date(0),
    units: 1_000_000,
    remaining: 1_000_000,
    sold: entries,
    orders: entries,
    version: 1,
    lastAt: new Date(0),
    updatedAt: new Date(0),
    buyers,
    keys,
    pending: {},
    seq: [],
  };
}

/** The purchase's atomic update, exactly as the brief gives it, for a buyer and key never seen before. */
function purchase(sales: Sales, saleId: ObjectId, pendingIds: ObjectId[]) {
  const user = hex();
  const key = digest();
  const id = new ObjectId();
  const now = new Date();
  return sales
    .findOneAndUpdate(
      {
        _id: saleId,
        round: 3,
        startsAt: { $lte: now },
        remaining: { $gte: 1 },
        [`buyers.${user}`]: { $not: { $gt: 0 } },
        [`keys.${key}`]: { $exists: false },
      },
      {
        $inc: { remaining: -1, sold: 1, orders: 1, version: 1, [`buyers.${user}`]: 1 },
        $max: { lastAt: now },
        $set: {
          [`pending.${id.toHexString()}`]: {
            round: 3,
            userId: new ObjectId(user),
            userName: 'buyer',
            quantity: 1,
            at: now,
          },
          [`keys.${key}`]: true,
          updatedAt: now,
        },
        $push: { seq: id },
      },
      { returnDocument: 'after', projection: { orders: 1, remaining: 1, lastAt: 1 } },
    )
    .then((after) => {
      if (after) pendingIds.push(id);
      return after !== null;
    });
}

/** The outbox drain: `$unset` of the drained `pending` entries and `$pull` of their ids, about every 100 ms. */
function startDrain(sales: Sales, saleId: () => ObjectId, pendingIds: ObjectId[]) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ids = pendingIds.splice(0, pendingIds.length);
      if (ids.length === 0) continue;
      await sales.updateOne(
        { _id: saleId() },
        {
          $unset: Object.fromEntries(ids.map((id) => [`pending.${id.toHexString()}`, ''])),
          $pull: { seq: { $in: ids } } as Document,
        },
      );
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** A change stream shaped like the server's live feed: updates that touch a live field, only those fields. */
function startStream(sales: Sales, onEvent: () => void) {
  const stream = sales.watch(
    [
      {
        $match: {
          operationType: 'update',
          $or: LIVE_FIELDS.map((f) => ({ [`updateDescription.updatedFields.${f}`]: { $exists: true } })),
        },
      },
      {
        $project: Object.fromEntries(
          ['documentKey', ...LIVE_FIELDS.map((f) => `updateDescription.updatedFields.${f}`)].map((f) => [
            f,
            1,
          ]),
        ),
      },
    ],
    { maxAwaitTimeMS: 200 },
  );
  const reading = (async () => {
    for await (const change of stream) if (change) onEvent();
  })().catch(() => undefined);
  return async () => {
    await stream.close();
    await reading;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function docBytes(sales: Sales, id: ObjectId): Promise<number> {
  const doc = await sales.findOne({ _id: id });
  return doc ? BSON.calculateObjectSize(doc) : 0;
}

/** Runs `ops` updates from `callers` concurrent callers; returns each one's latency in ms. */
async function runBatch(
  sales: Sales,
  saleId: ObjectId,
  ops: number,
  callers: number,
  pendingIds: ObjectId[],
): Promise<{ latencies: number[]; misses: number }> {
  const latencies: number[] = [];
  let misses = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < ops) {
        next++;
        const t = performance.now();
        const ok = await purchase(sales, saleId, pendingIds);
        latencies.push(performance.now() - t);
        if (!ok) misses++;
      }
    }),
  );
  return { latencies, misses };
}

/** Measures the purchase update at each map size (see the file comment). */
export async function measureLargeDoc(db: Db, opts: LargeDocOptions): Promise<LargeDocResult> {
  const started = Date.now();
  const sales = db.collection<Sale>('large_doc_sales');
  await sales.drop().catch(() => undefined);
  const pendingIds: ObjectId[] = [];
  let current = new ObjectId();
  const stopDrain = startDrain(sales, () => current, pendingIds);
  let events = 0;
  const stopStream = startStream(sales, () => events++);
  const figures = opts.sizes.map((entries) => ({
    entries,
    latencies: [] as number[],
    misses: 0,
    docBytes: 0,
    docBytesEnd: 0,
    events: 0,
    cpuMs: 0,
  }));
  const cpu = () => opts.serverCpuMs?.() ?? null;
  try {
    for (const f of figures) {
      const doc = saleDocument(f.entries);
      await sales.insertOne(doc);
      current = doc._id as ObjectId;
      await runBatch(sales, current, opts.warmUp, opts.callers, pendingIds);
    }
    for (let b = 0; b < opts.batches && Date.now() - started < opts.maxMs; b++) {
      for (const f of figures) {
        const doc = saleDocument(f.entries);
        await sales.insertOne(doc);
        current = doc._id as ObjectId;
        if (b === 0) f.docBytes = await docBytes(sales, current);
        const before = events;
        const cpu0 = cpu();
        const r = await runBatch(sales, current, opts.batchOps, opts.callers, pendingIds);
        const cpu1 = cpu();
        if (cpu0 !== null && cpu1 !== null) f.cpuMs += cpu1 - cpu0;
        f.latencies.push(...r.latencies);
        f.misses += r.misses;
        f.docBytesEnd = await docBytes(sales, current);
        // Let the stream catch up before the next batch; its count is only a liveness check.
        await new Promise((resolve) => setTimeout(resolve, 50));
        f.events += events - before;
        await sales.deleteOne({ _id: current });
      }
      opts.log?.(`batch ${b + 1}/${opts.batches} done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await stopDrain();
    await stopStream();
    await sales.drop().catch(() => undefined);
  }
  const sizes: SizeFigures[] = figures.map((f) => {
    const sorted = [...f.latencies].sort((a, b) => a - b);
    return {
      entries: f.entries,
      docBytes: f.docBytes,
      docBytesEnd: f.docBytesEnd,
      samples: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      misses: f.misses,
      events: f.events,
      ...(opts.serverCpuMs ? { serverCpuUs: (f.cpuMs * 1000) / Math.max(1, sorted.length) } : {}),
    };
  });
  const ratio = sizes[sizes.length - 1].p50Ms / sizes[0].p50Ms;
  return { sizes, ratio, tookMs: Date.now() - started };
}

/** One line per size, then the ratio. */
export function formatLargeDoc(r: LargeDocResult): string[] {
  const lines = r.sizes.map(
    (s) =>
      `${String(s.entries).padStart(6)} entries per map, ${(s.docBytes / 1024).toFixed(0).padStart(4)} KB ` +
      `(${(s.docBytesEnd / 1024).toFixed(0)} KB at batch end): p50 ${s.p50Ms.toFixed(2)} ms, ` +
      `p99 ${s.p99Ms.toFixed(2)} ms over ${s.samples} updates` +
      (s.serverCpuUs === undefined ? '' : `, database CPU ${s.serverCpuUs.toFixed(0)} µs/update`) +
      `; misses ${s.misses}, change events ${s.events}`,
  );
  lines.push(`p50 ratio ${r.ratio.toFixed(2)} (largest / smallest; target ≤ 1.2)`);
  return lines;
}
