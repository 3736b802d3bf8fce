/**
 * `npx tsx bench/purchase-update-cost.ts [--buyers 1,50,1000] [--profile DIR]`: how much CPU the embedded
 * database spends per operation of the purchase path, next to the floor's operations, measured on the database
 * process itself (/proc CPU time). This splits the purchase path's database cost into its parts: the atomic
 * update of the sale document (by number of buyers in the round, with the outbox drained every 100 ms as the
 * server does), the same with a change stream open, and the purchase insert with its three indexes.
 */
import { parseArgs } from 'node:util';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { cpuTimeMs } from './lib/cpu';
import { pinSelf, startDatabaseProcess } from '@flash-sale/harness';

const OPS = 3000;
const CALLERS = 32;
const WARM_UP = 300;

/** Runs `op` OPS times from CALLERS concurrent callers and prints the database's CPU per op and the rate. */
async function measure(pid: number, name: string, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARM_UP; i += 1) await op(-1 - i);
  const cpu0 = cpuTimeMs(pid) ?? NaN;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < OPS) await op(next++);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const us = (((cpuTimeMs(pid) ?? NaN) - cpu0) * 1000) / OPS;
  console.log(
    `${name.padEnd(62)} ${us.toFixed(0).padStart(5)} µs database CPU/op ${(OPS / seconds).toFixed(0).padStart(6)} op/s`,
  );
}

/** The purchase's atomic update, as the purchase service sends it, for a rotating set of `buyers` users. */
function purchaseUpdate(db: Db, saleId: ObjectId, users: string[]) {
  return (i: number) => {
    const user = users[(i + users.length * 1000) % users.length];
    const entry = new ObjectId();
    const tally = `buyers.${user}`;
    return db.collection<{ seq: ObjectId[] }>('sales').findOneAndUpdate(
      {
        _id: saleId,
        round: 1,
        startsAt: { $lte: new Date() },
        remaining: { $gte: 1 },
        [`${tally}.q`]: { $not: { $gt: 1e9 - 1 } },
      },
      {
        $inc: { remaining: -1, sold: 1, orders: 1, version: 1, [`${tally}.q`]: 1 },
        $set: {
          [`pending.${entry.toHexString()}`]: {
            round: 1,
            userId: new ObjectId(user),
            userName: 'u',
            quantity: 1,
            at: new Date(),
          },
          updatedAt: new Date(),
        },
        $push: { seq: entry },
      },
      { returnDocument: 'after', projection: { orders: 1, remaining: 1 } },
    );
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { buyers: { type: 'string', default: '1,50,1000' }, profile: { type: 'string' } },
  });
  pinSelf(0);
  const database = await startDatabaseProcess({
    cpu: 1,
    nodeArgs: values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [],
  });
  const client = await new MongoClient(database.uri).connect();
  const db = client.db('purchase_update_cost');
  const pid = database.process.pid;
  try {
    await db.collection('counters').insertOne({ _id: 'floor' as unknown as ObjectId, n: 0 });
    await measure(pid, 'floor: findOneAndUpdate $inc of a counter', () =>
      db
        .collection('counters')
        .findOneAndUpdate(
          { _id: 'floor' as unknown as ObjectId },
          { $inc: { n: 1 } },
          { returnDocument: 'after', projection: { n: 1 } },
        ),
    );
    await measure(pid, 'floor: insertOne, _id index only', (i) =>
      db.collection('rows').insertOne({ n: i, userId: new ObjectId(), at: new Date() }),
    );
    const purchases = db.collection('purchases');
    await purchases.createIndex({ saleId: 1, round: 1, position: 1 }, { unique: true });
    await purchases.createIndex(
      { userId: 1, saleId: 1, idempotencyKey: 1, round: 1 },
      { unique: true, partialFilterExpression: { idempotencyKey: { $exists: true } } },
    );
    await purchases.createIndex({ userId: 1, purchasedAt: -1 });
    const sale = new ObjectId();
    await measure(pid, 'purchase: insertOne, three indexes', (i) =>
      purchases.insertOne({
        saleId: sale,
        round: 1,
        position: i + 1000,
        productId: sale,
        userId: new ObjectId(),
        userName: 'x',
        quantity: 1,
        price: 4900,
        currency: 'USD',
        promo: true,
        remainingAfter: 5,
        purchasedAt: new Date(),
      }),
    );
    for (const buyers of values.buyers.split(',').map(Number)) {
      const saleId = new ObjectId();
      const users = Array.from({ length: buyers }, () => new ObjectId().toHexString());
      await db.collection('sales').insertOne({
        _id: saleId,
        round: 1,
        startsAt: new Date(0),
        units: 1e9,
        remaining: 1e9,
        sold: 0,
        orders: 0,
        version: 1,
        buyers: {},
        pending: {},
        seq: [],
      });
      // The server drains the outbox about every 100 ms; without it the document would grow without end.
      const drain = setInterval(() => {
        void db.collection('sales').updateOne({ _id: saleId }, { $set: { pending: {}, seq: [] } });
      }, 100);
      const update = purchaseUpdate(db, saleId, users);
      try {
        await measure(pid, `purchase: findOneAndUpdate of the sale, ${buyers} buyers in the round`, update);
        const stream = db
          .collection('sales')
          .watch(
            [{ $match: { operationType: 'update' } }, { $project: { documentKey: 1, updateDescription: 1 } }],
            {
              maxAwaitTimeMS: 1000,
            },
          );
        const reading = (async () => {
          for await (const change of stream) void change;
        })().catch(() => undefined);
        await measure(pid, '  the same with a change stream open', update);
        await stream.close();
        await reading;
      } finally {
        clearInterval(drain);
      }
    }
  } finally {
    await client.close();
    await database.process.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
