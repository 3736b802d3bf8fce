/**
 * How much memory purchases take in the embedded database: inserts N purchase documents (the shape and the
 * three indexes of server/purchases/purchase.model.ts) through the engine's insert command, in batches of
 * 1,000, and prints the BSON bytes the memory bound counts, the V8 heap they actually take, and both per
 * document. Run with --expose-gc for exact heap figures:
 *
 *   node --expose-gc --import tsx bench/embedded-memory.ts [--docs 1000000]
 */
import v8 from 'node:v8';
import { ObjectId } from 'bson';
import { dataCommands } from '../src/commands/data-commands';
import { Engine } from '../src/engine';
import { defaultMaxMemoryBytes } from '../src/engine/memory-bound';

const argDocs = process.argv.indexOf('--docs');
const DOCS = Math.min(Math.max(Number(argDocs > 0 ? process.argv[argDocs + 1] : 1_000_000), 1000), 5_000_000);
const BATCH = 1000;
const MIB = 2 ** 20;

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** A purchase as the purchase path writes it (ObjectIds, a Date, a short user name, an idempotency key). */
function purchase(saleId: ObjectId, productId: ObjectId, i: number): Record<string, unknown> {
  return {
    _id: new ObjectId(),
    saleId,
    round: 1 + Math.floor(i / 100_000),
    position: i + 1,
    productId,
    userId: new ObjectId(),
    userName: `user-${i % 50_000}`,
    quantity: 1,
    price: 1999,
    currency: 'USD',
    promo: i % 10 === 0,
    idempotencyKey: `key-${i.toString(36)}`,
    remainingAfter: 1_000_000 - i,
    purchasedAt: new Date(1_700_000_000_000 + i * 10),
  };
}

function main(): void {
  // No bound here: this measures; the server's default bound is printed for comparison.
  const engine = new Engine({ maxMemoryBytes: Number.MAX_SAFE_INTEGER, oplogSize: 1000 });
  const run = (cmd: Record<string, unknown>) => {
    const name = Object.keys(cmd)[0];
    return dataCommands[name]({ engine, db: 'bench' }, cmd);
  };
  run({
    createIndexes: 'purchases',
    indexes: [
      { key: { saleId: 1, round: 1, position: 1 }, name: 'leaderboard', unique: true },
      {
        key: { userId: 1, saleId: 1, idempotencyKey: 1, round: 1 },
        name: 'idempotency',
        unique: true,
        partialFilterExpression: { idempotencyKey: { $exists: true } },
      },
      { key: { userId: 1, purchasedAt: -1 }, name: 'mine' },
    ],
  });
  const saleId = new ObjectId();
  const productId = new ObjectId();
  const before = heapUsed();
  const started = Date.now();
  for (let i = 0; i < DOCS; i += BATCH) {
    const documents = [];
    for (let j = i; j < Math.min(DOCS, i + BATCH); j++) documents.push(purchase(saleId, productId, j));
    run({ insert: 'purchases', documents });
  }
  const seconds = (Date.now() - started) / 1000;
  const heap = heapUsed() - before;
  const bson = engine.memoryUsage();
  const limit = v8.getHeapStatistics().heap_size_limit;
  console.log(`documents:          ${DOCS.toLocaleString('en-US')} (inserted in ${seconds.toFixed(1)} s)`);
  console.log(`BSON bytes:         ${(bson / MIB).toFixed(0)} MiB, ${Math.round(bson / DOCS)} per document`);
  console.log(`heap taken:         ${(heap / MIB).toFixed(0)} MiB, ${Math.round(heap / DOCS)} per document`);
  console.log(`heap / BSON:        ${(heap / bson).toFixed(1)}x (documents, _id map and three indexes)`);
  console.log(`heap limit:         ${(limit / MIB).toFixed(0)} MiB`);
  console.log(`default bound:      ${(defaultMaxMemoryBytes() / MIB).toFixed(0)} MiB of BSON`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for exact heap figures)');
  // Keep the engine reachable until the heap was measured.
  if (engine.memoryUsage() < 0) console.log(engine);
}

main();
