import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  MongoClient,
  MongoServerError,
  ObjectId,
  type ChangeStream,
  type ChangeStreamDocument,
  type Collection,
  type Db,
  type Document,
} from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

/** Updates of a sale document whose maps hold 10,000 entries: the shape the purchase path writes. */

const ENTRIES = 10_000;
const hex = () => randomBytes(12).toString('hex');
const digest = () => randomBytes(15).toString('base64url');

interface Sale {
  _id: ObjectId;
  remaining: number;
  sold: number;
  orders: number;
  version: number;
  lastAt: Date;
  buyers: Record<string, number>;
  keys: Record<string, boolean>;
  pending: Record<string, Document>;
  seq: ObjectId[];
  note?: string;
  blob?: Record<string, string>;
}

function sale(entries = ENTRIES): Sale {
  const buyers: Record<string, number> = {};
  const keys: Record<string, boolean> = {};
  for (let i = 0; i < entries; i++) {
    buyers[hex()] = 1;
    keys[digest()] = true;
  }
  return {
    _id: new ObjectId(),
    remaining: 100_000,
    sold: entries,
    orders: entries,
    version: 1,
    lastAt: new Date(0),
    buyers,
    keys,
    pending: {},
    seq: [],
  };
}

/** The purchase update of the brief, for `user` with idempotency key `key`. */
function purchase(sales: Collection<Sale>, id: ObjectId, user: string, key: string, now = new Date()) {
  const pid = new ObjectId();
  return sales.findOneAndUpdate(
    {
      _id: id,
      remaining: { $gte: 1 },
      [`buyers.${user}`]: { $not: { $gt: 0 } },
      [`keys.${key}`]: { $exists: false },
    },
    {
      $inc: { remaining: -1, sold: 1, orders: 1, version: 1, [`buyers.${user}`]: 1 },
      $max: { lastAt: now },
      $set: {
        [`pending.${pid.toHexString()}`]: { userId: new ObjectId(user), quantity: 1, at: now },
        [`keys.${key}`]: true,
      },
      $push: { seq: pid },
    },
    { returnDocument: 'after', projection: { orders: 1, remaining: 1, lastAt: 1 } },
  );
}

/** The next `n` events of a stream (bounded: fails after 5 s). */
async function nextEvents(stream: ChangeStream<Sale>, n: number): Promise<ChangeStreamDocument<Sale>[]> {
  const out: ChangeStreamDocument<Sale>[] = [];
  const deadline = Date.now() + 5000;
  while (out.length < n && Date.now() < deadline) {
    const e = await stream.tryNext();
    if (e) out.push(e);
  }
  expect(out, 'change events').to.have.length(n);
  return out;
}

describe('embedded-mongo: updates of a large document', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let sales: Collection<Sale>;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
    await database.createCollection('sales');
    sales = database.collection('sales');
  });

  beforeEach(async () => {
    await sales.deleteMany({});
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  describe('concurrent purchases on 10,000-entry maps', () => {
    it('applies each one exactly once, atomically, and every answer sees its own write', async () => {
      const doc = sale();
      await sales.insertOne(doc);
      const users = Array.from({ length: 150 }, hex);
      // Each user tries twice with two keys: the second attempt must find the buyer already counted.
      const attempts = [...users, ...users].map((u) => purchase(sales, doc._id, u, digest()));
      const answers = await Promise.all(attempts);
      const won = answers.filter((a) => a !== null);
      expect(won).to.have.length(users.length);
      const orders = won.map((a) => a!.orders).sort((x, y) => x - y);
      expect(orders).to.deep.equal(users.map((_, i) => ENTRIES + i + 1));
      for (const a of won) {
        expect(Object.keys(a!).sort()).to.deep.equal(['_id', 'lastAt', 'orders', 'remaining']);
        expect(a!.remaining + a!.orders).to.equal(100_000 + ENTRIES);
      }
      const after = (await sales.findOne({ _id: doc._id }))!;
      expect(after.remaining).to.equal(100_000 - users.length);
      expect(after.version).to.equal(1 + users.length);
      expect(Object.keys(after.buyers)).to.have.length(ENTRIES + users.length);
      expect(Object.keys(after.keys)).to.have.length(ENTRIES + users.length);
      expect(Object.keys(after.pending)).to.have.length(users.length);
      expect(after.seq).to.have.length(users.length);
      // New entries go after the old ones, in the order the updates were applied.
      expect(Object.keys(after.buyers).slice(0, ENTRIES)).to.deep.equal(Object.keys(doc.buyers));
      expect(new Set(Object.keys(after.buyers).slice(ENTRIES))).to.deep.equal(new Set(users));
      for (const u of users) expect(after.buyers[u]).to.equal(1);
      expect(after.seq.map(String)).to.deep.equal(
        Object.keys(after.pending),
        'seq and pending follow the same order',
      );
    });

    it('returns the old values with returnDocument "before"', async () => {
      const doc = sale(100);
      await sales.insertOne(doc);
      const user = hex();
      for (let i = 1; i <= 3; i++) {
        const before = await sales.findOneAndUpdate(
          { _id: doc._id },
          { $inc: { [`buyers.${user}`]: 1, sold: 1 } },
          { returnDocument: 'before', projection: { [`buyers.${user}`]: 1, sold: 1 } },
        );
        expect(before).to.deep.equal({
          _id: doc._id,
          sold: 100 + i - 1,
          buyers: i === 1 ? {} : { [user]: i - 1 },
        });
      }
    });

    it('leaves nothing behind when a later part of the update fails, and keeps the field order', async () => {
      const doc = { ...sale(2000), note: 'text' };
      await sales.insertOne(doc);
      // Two updates first, so the maps are the stored version's own and later ones change them in place.
      await purchase(sales, doc._id, hex(), digest());
      await purchase(sales, doc._id, hex(), digest());
      const before = (await sales.findOne({ _id: doc._id }))!;
      const error = await sales
        .updateOne(
          { _id: doc._id },
          // `note` is a string: the driver's types refuse the $inc that the server must refuse too.
          { $set: { [`keys.${digest()}`]: true, [`buyers.${hex()}`]: 5 }, $inc: { note: 1 } as Document },
        )
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(MongoServerError);
      expect((error as MongoServerError).code).to.equal(14); // TypeMismatch: $inc of a string
      const after = (await sales.findOne({ _id: doc._id }))!;
      expect(after).to.deep.equal(before);
      expect(Object.keys(after.keys)).to.deep.equal(Object.keys(before.keys));
      expect(Object.keys(after.buyers)).to.deep.equal(Object.keys(before.buyers));
    });

    it('refuses an update past 16 MiB and leaves the document as it was', async () => {
      const doc = { ...sale(10), blob: {} as Record<string, string> };
      await sales.insertOne(doc);
      const big = 'x'.repeat(6 * 1024 * 1024);
      await sales.updateOne({ _id: doc._id }, { $set: { 'blob.a': big } });
      await sales.updateOne({ _id: doc._id }, { $set: { 'blob.b': big } });
      const error = await sales
        .updateOne({ _id: doc._id }, { $set: { 'blob.c': big, [`buyers.${hex()}`]: 1 }, $inc: { sold: 1 } })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(MongoServerError);
      expect((error as MongoServerError).code).to.equal(10334); // BSONObjectTooLarge
      const after = (await sales.findOne({ _id: doc._id }, { projection: { 'blob.a': 0, 'blob.b': 0 } }))!;
      expect(after.blob).to.deep.equal({});
      expect(after.sold).to.equal(10);
      expect(Object.keys(after.buyers)).to.deep.equal(Object.keys(doc.buyers));
      // Still writable once the oversized field is gone.
      await sales.updateOne({ _id: doc._id }, { $unset: { 'blob.b': '' }, $set: { 'blob.c': 'small' } });
      expect((await sales.findOne({ _id: doc._id }))!.blob).to.have.keys(['a', 'c']);
    });

    it('keeps an index over a path inside a map right as its value changes', async () => {
      const ix = database.collection<Sale>('sales_indexed');
      await ix.createIndex({ 'buyers.vip': 1 }, { sparse: true });
      const doc = sale(500);
      await ix.insertOne(doc);
      for (let i = 0; i < 3; i++)
        await ix.updateOne({ _id: doc._id }, { $inc: { 'buyers.vip': 1, [`buyers.${hex()}`]: 1 } });
      expect(await ix.countDocuments({ 'buyers.vip': 3 })).to.equal(1);
      expect(await ix.countDocuments({ 'buyers.vip': 2 })).to.equal(0);
      const plan = await ix.find({ 'buyers.vip': 3 }).explain();
      expect(JSON.stringify(plan)).to.contain('buyers.vip_1');
      await ix.drop();
    });
  });

  describe('change streams', () => {
    it('report exactly the changed fields, and events read later still show their own values', async () => {
      const doc = sale(3000);
      const stream = sales.watch([], { maxAwaitTimeMS: 100 });
      await stream.tryNext(); // opens the stream before the writes
      await sales.insertOne(doc);
      const user = hex();
      const key = digest();
      const now = new Date();
      const first = await purchase(sales, doc._id, user, key, now);
      expect(first).to.not.equal(null);
      const [pid] = (await sales.findOne({ _id: doc._id }))!.seq;
      // A second update changes the sub-documents the first event reports.
      await sales.updateOne(
        { _id: doc._id },
        { $inc: { [`pending.${pid.toHexString()}.quantity`]: 4, [`buyers.${user}`]: 1 } },
      );
      const [insert, update1, update2] = await nextEvents(stream, 3);
      await stream.close();

      expect(insert.operationType).to.equal('insert');
      const inserted = (insert as { fullDocument: Sale }).fullDocument;
      expect(Object.keys(inserted.buyers)).to.deep.equal(Object.keys(doc.buyers));
      expect(inserted.pending).to.deep.equal({});

      const d1 = (update1 as { updateDescription: Document }).updateDescription;
      expect(Object.keys(d1.updatedFields).sort()).to.deep.equal(
        [
          'remaining',
          'sold',
          'orders',
          'version',
          `buyers.${user}`,
          'lastAt',
          `pending.${pid.toHexString()}`,
          `keys.${key}`,
          'seq',
        ].sort(),
      );
      expect(d1.updatedFields[`pending.${pid.toHexString()}`]).to.deep.equal({
        userId: new ObjectId(user),
        quantity: 1,
        at: now,
      });
      expect(d1.updatedFields[`buyers.${user}`]).to.equal(1);
      expect(d1.updatedFields.seq.map(String)).to.deep.equal([pid.toHexString()]);
      expect(d1.removedFields).to.deep.equal([]);
      expect(update1).to.not.have.property('fullDocument');

      const d2 = (update2 as { updateDescription: Document }).updateDescription;
      expect(d2.updatedFields).to.deep.equal({
        [`pending.${pid.toHexString()}.quantity`]: 5,
        [`buyers.${user}`]: 2,
      });
      expect(d2.removedFields).to.deep.equal([]);
    });

    it('report the removed map entries of an $unset and the array of a $pull', async () => {
      const doc = sale(1000);
      await sales.insertOne(doc);
      const ids = Array.from({ length: 20 }, () => new ObjectId());
      await sales.updateOne(
        { _id: doc._id },
        {
          $set: Object.fromEntries(ids.map((id) => [`pending.${id.toHexString()}`, { q: 1 }])),
          $push: { seq: { $each: ids } },
        },
      );
      const stream = sales.watch([], { maxAwaitTimeMS: 100 });
      await stream.tryNext();
      const drained = ids.slice(0, 15);
      await sales.updateOne(
        { _id: doc._id },
        {
          $unset: Object.fromEntries(drained.map((id) => [`pending.${id.toHexString()}`, ''])),
          $pull: { seq: { $in: drained } } as Document,
        },
      );
      const [event] = await nextEvents(stream, 1);
      await stream.close();
      const d = (event as { updateDescription: Document }).updateDescription;
      expect(d.removedFields).to.have.members(drained.map((id) => `pending.${id.toHexString()}`));
      expect(Object.keys(d.updatedFields)).to.deep.equal(['seq']);
      expect(d.updatedFields.seq.map(String)).to.deep.equal(ids.slice(15).map(String));
    });
  });

  describe('transactions', () => {
    it('read their snapshot while purchases change the document outside them', async () => {
      const doc = sale();
      await sales.insertOne(doc);
      // Owned maps first: these purchases change them in place.
      for (let i = 0; i < 3; i++) expect(await purchase(sales, doc._id, hex(), digest())).to.not.equal(null);
      const session = client.startSession();
      try {
        session.startTransaction({ readConcern: { level: 'snapshot' } });
        const seen = (await sales.findOne({ _id: doc._id }, { session }))!;
        expect(Object.keys(seen.buyers)).to.have.length(ENTRIES + 3);
        const outside = Array.from({ length: 5 }, hex);
        for (const u of outside) expect(await purchase(sales, doc._id, u, digest())).to.not.equal(null);
        const again = (await sales.findOne({ _id: doc._id }, { session }))!;
        expect(again).to.deep.equal(seen);
        for (const u of outside) expect(again.buyers).to.not.have.property(u);
        // Its own write to the document conflicts: a commit changed it after the snapshot.
        const conflict = await sales
          .updateOne({ _id: doc._id }, { $inc: { sold: 1 } }, { session })
          .catch((e: unknown) => e);
        expect((conflict as MongoServerError).code).to.equal(112);
      } finally {
        await session.abortTransaction().catch(() => undefined);
        await session.endSession();
      }
      const now = (await sales.findOne({ _id: doc._id }))!;
      expect(Object.keys(now.buyers)).to.have.length(ENTRIES + 8);
      expect(now.orders).to.equal(ENTRIES + 8);
    });

    it('commit their own updates of the map, and later purchases build on them', async () => {
      const doc = sale();
      await sales.insertOne(doc);
      await purchase(sales, doc._id, hex(), digest());
      const user = hex();
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          await sales.updateOne(
            { _id: doc._id },
            { $inc: { [`buyers.${user}`]: 2, orders: 1 } },
            { session },
          );
          const inside = (await sales.findOne({ _id: doc._id }, { session }))!;
          expect(inside.buyers[user]).to.equal(2);
          expect((await sales.findOne({ _id: doc._id }))!.buyers).to.not.have.property(user);
        });
      } finally {
        await session.endSession();
      }
      expect(await purchase(sales, doc._id, user, digest())).to.equal(null); // already a buyer
      expect(await purchase(sales, doc._id, hex(), digest())).to.not.equal(null);
      const after = (await sales.findOne({ _id: doc._id }))!;
      expect(after.buyers[user]).to.equal(2);
      expect(after.orders).to.equal(ENTRIES + 3);
      expect(Object.keys(after.buyers)).to.have.length(ENTRIES + 3);
    });
  });

  describe('$unset and $pull of many entries', () => {
    it('remove them, keep the others in order, and later updates go on', async () => {
      const doc = sale();
      await sales.insertOne(doc);
      const ids = Array.from({ length: 2000 }, () => new ObjectId());
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        await sales.updateOne(
          { _id: doc._id },
          {
            $set: Object.fromEntries(chunk.map((id) => [`pending.${id.toHexString()}`, { q: 1 }])),
            $push: { seq: { $each: chunk } },
          },
        );
      }
      const gone = ids.filter((_, i) => i % 4 !== 0);
      const lostBuyers = Object.keys(doc.buyers).filter((_, i) => i % 2 === 0);
      const res = await sales.updateOne(
        { _id: doc._id },
        {
          $unset: Object.fromEntries([
            ...gone.map((id) => [`pending.${id.toHexString()}`, '']),
            ...lostBuyers.map((u) => [`buyers.${u}`, '']),
          ]),
          $pull: { seq: { $in: gone } } as Document,
        },
      );
      expect(res.modifiedCount).to.equal(1);
      const kept = ids.filter((_, i) => i % 4 === 0);
      let after = (await sales.findOne({ _id: doc._id }))!;
      expect(Object.keys(after.pending)).to.deep.equal(kept.map((id) => id.toHexString()));
      expect(after.seq.map(String)).to.deep.equal(kept.map(String));
      expect(Object.keys(after.buyers)).to.deep.equal(Object.keys(doc.buyers).filter((_, i) => i % 2 === 1));
      const user = hex();
      expect(await purchase(sales, doc._id, user, digest())).to.not.equal(null);
      after = (await sales.findOne({ _id: doc._id }))!;
      expect(Object.keys(after.buyers).at(-1)).to.equal(user);
      expect(Object.keys(after.pending)).to.have.length(kept.length + 1);
    });
  });
});
