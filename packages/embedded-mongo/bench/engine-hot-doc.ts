/**
 * Cost of the flash-sale hot path inside the engine, without the driver or the wire: a findAndModify by _id
 * that increments a few counters and sets one dotted field on a ~1 KB document, returning the new version.
 * Prints microseconds per operation (median of several runs). Usage: npx tsx bench/engine-hot-doc.ts [ops]
 */
import { ObjectId } from 'bson';
import { Engine } from '../src/engine';
import { dataCommands } from '../src/commands/data-commands';

const OPS = Math.min(Number(process.argv[2] ?? 50_000), 1_000_000);
const RUNS = 5;

function hotDoc(id: ObjectId): Record<string, unknown> {
  return {
    _id: id,
    productId: new ObjectId(),
    name: 'Flash sale of the limited edition mechanical keyboard',
    description: 'x'.repeat(300),
    price: 4999,
    currency: 'USD',
    units: 200,
    remaining: 1_000_000_000,
    sold: 0,
    orders: 0,
    version: 1,
    round: 1,
    startsAt: new Date(),
    perOrderLimit: 1,
    perUserLimit: 1,
    restartSchedule: '*/5 * * * *',
    promoCondition: { name: 'launch', description: 'y'.repeat(200) },
    stats: { lastBuyer: null, lastAt: null },
    tags: ['keyboard', 'mechanical', 'limited', 'flash'],
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

function main(): void {
  const engine = new Engine({ oplogSize: 10_000 });
  const ctx = { engine, db: 'bench' };
  const id = new ObjectId();
  dataCommands.insert(ctx, { insert: 'sales', documents: [hotDoc(id)] });
  dataCommands.createIndexes(ctx, {
    createIndexes: 'sales',
    indexes: [{ key: { round: 1, startsAt: 1 }, name: 'round_1_startsAt_1' }],
  });
  const buyer = new ObjectId();
  const timings: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) {
      const r = dataCommands.findAndModify(ctx, {
        findAndModify: 'sales',
        query: { _id: id, remaining: { $gte: 1 } },
        update: {
          $inc: { remaining: -1, sold: 1, orders: 1, version: 1 },
          $set: { 'stats.lastBuyer': buyer },
        },
        new: true,
      });
      if (!('reply' in r) || r.reply.value === null) throw new Error('hot document not updated');
    }
    timings.push(Number(process.hrtime.bigint() - started) / 1000 / OPS);
  }
  timings.sort((a, b) => a - b);
  const size = JSON.stringify(hotDoc(id)).length;
  console.log(
    `findAndModify on one hot ~${size} B document: ${timings[RUNS >> 1].toFixed(2)} µs/op (median of ${RUNS} x ${OPS}; min ${timings[0].toFixed(2)})`,
  );
}

main();
