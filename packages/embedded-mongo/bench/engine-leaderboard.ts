/**
 * Leaderboard page cost against collection size, inside the engine: `{saleId, round, position: {$gt: c}}`
 * sorted by position, limit 50, on the index {saleId: 1, round: 1, position: 1}. The cost per page should not
 * depend on how many purchases exist. Usage: npx tsx bench/engine-leaderboard.ts [largest, default 1000000]
 */
import { ObjectId } from 'bson';
import { Engine } from '../src/engine';
import { dataCommands } from '../src/commands/data-commands';

const LARGEST = Math.min(Number(process.argv[2] ?? 1_000_000), 2_000_000);
const PAGES = 2000;
const BATCH = 1000;

function measure(total: number): { perPageUs: number; examined: number } {
  const engine = new Engine({ oplogSize: 1000, maxMemoryBytes: 4 * 1024 ** 3 });
  const ctx = { engine, db: 'bench' };
  dataCommands.createIndexes(ctx, {
    createIndexes: 'purchases',
    indexes: [{ key: { saleId: 1, round: 1, position: 1 } }],
  });
  const sale = new ObjectId();
  for (let i = 0; i < total; i += BATCH) {
    const documents = [];
    for (let j = i; j < Math.min(i + BATCH, total); j++)
      documents.push({
        saleId: j % 10 === 0 ? sale : new ObjectId(),
        round: 1,
        position: j,
        userName: `user${j}`,
        quantity: 1,
        purchasedAt: new Date(),
      });
    dataCommands.insert(ctx, { insert: 'purchases', documents });
  }
  const page = (k: number) => ({ saleId: sale, round: 1, position: { $gt: (k * 37) % (total / 2) } });
  const started = process.hrtime.bigint();
  for (let k = 0; k < PAGES; k++) {
    const r = dataCommands.find(ctx, {
      find: 'purchases',
      filter: page(k),
      sort: { position: 1 },
      limit: 50,
    });
    if (!('cursor' in r) || r.cursor.docs.length !== 50) throw new Error('short page');
  }
  const perPageUs = Number(process.hrtime.bigint() - started) / 1000 / PAGES;
  const explain = dataCommands.explain(ctx, {
    explain: { find: 'purchases', filter: page(1), sort: { position: 1 }, limit: 50 },
    verbosity: 'executionStats',
  });
  const stats = 'reply' in explain ? explain.reply.executionStats : undefined;
  return { perPageUs, examined: stats.totalKeysExamined + stats.totalDocsExamined };
}

for (const total of [10_000, LARGEST]) {
  const { perPageUs, examined } = measure(total);
  console.log(
    `${total.toLocaleString('en-US')} purchases: ${perPageUs.toFixed(1)} µs per page of 50, ${examined} keys+docs examined`,
  );
}
