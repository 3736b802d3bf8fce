import { expect } from 'chai';
import {
  MongoClient,
  MongoServerError,
  Timestamp,
  type ChangeStream,
  type ChangeStreamDocument,
  type Collection,
  type Db,
} from 'mongodb';
import { start } from '../src';
import { getTestDatabase, type TestDatabase } from './helpers/db';

/** Documents with any `_id` and any `at` (the driver's default typing assumes ObjectId). */
type Item = { _id: string; at?: unknown; kind?: string; n?: number };

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Bound on any wait for the monitor: several periods of 1 s on a loaded machine. */
const DEADLINE_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true; fails with `what` after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Next change event, with a bound so a missing event fails the test instead of hanging it. */
async function nextEvent(
  stream: ChangeStream<any, any>,
  ms = DEADLINE_MS,
): Promise<ChangeStreamDocument<any>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no change event within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([stream.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('embedded-mongo: TTL monitor', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let previousSleepSecs: number;
  let counter = 0;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
    const admin = client.db('admin');
    previousSleepSecs = (await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 }))
      .ttlMonitorSleepSecs;
    await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 });
  });

  after(async () => {
    if (previousSleepSecs !== undefined)
      await client?.db('admin').command({ setParameter: 1, ttlMonitorSleepSecs: previousSleepSecs });
    await client?.close();
    await db?.stop();
  });

  /** A fresh collection with a TTL index on `at`. */
  async function ttlCollection(expireAfterSeconds: number, options: object = {}): Promise<Collection<Item>> {
    const coll = database.collection<Item>(`ttl${++counter}`);
    await coll.createIndex({ at: 1 }, { expireAfterSeconds, ...options });
    return coll;
  }

  async function present(coll: Collection<Item>, _id: string): Promise<boolean> {
    return (await coll.countDocuments({ _id })) === 1;
  }

  async function ids(coll: Collection<Item>): Promise<string[]> {
    return (await coll.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
  }

  /** Completed passes of the monitor (serverStatus metrics.ttl.passes, which MongoDB reports too). */
  async function passes(): Promise<number> {
    return Number((await client.db('admin').command({ serverStatus: 1 })).metrics.ttl.passes);
  }

  /** Waits until a whole pass has run after this call (two completions: the first may have begun earlier). */
  async function aFullPass(): Promise<void> {
    const before = await passes();
    await waitFor('two more TTL passes', async () => (await passes()) >= before + 2);
  }

  it('deletes documents whose date is past expireAfterSeconds and keeps fresh ones', async () => {
    const coll = await ttlCollection(3600);
    const now = Date.now();
    await coll.insertMany([
      { _id: 'expired', at: new Date(now - 2 * HOUR) },
      { _id: 'fresh', at: new Date(now) },
      { _id: 'future', at: new Date(now + DAY) },
      { _id: 'just-inside', at: new Date(now - HOUR + 10 * 60_000) },
    ]);
    await waitFor('the expired document to be deleted', async () => !(await present(coll, 'expired')));
    expect(await ids(coll)).to.deep.equal(['fresh', 'future', 'just-inside']);
  });

  it('expires a document with an array of dates by its earliest date', async () => {
    const coll = await ttlCollection(3600);
    const now = Date.now();
    await coll.insertMany([
      { _id: 'earliest-expired', at: [new Date(now + DAY), new Date(now - 2 * HOUR)] },
      { _id: 'mixed-expired', at: ['soon', 7, new Date(now - 3 * HOUR)] },
      { _id: 'all-fresh', at: [new Date(now), new Date(now + DAY)] },
      { _id: 'no-dates', at: ['yesterday', now - DAY, null] },
      { _id: 'empty', at: [] },
    ]);
    await waitFor(
      'both documents with an expired date in their array to be deleted',
      async () => !(await present(coll, 'earliest-expired')) && !(await present(coll, 'mixed-expired')),
    );
    await aFullPass();
    expect(await ids(coll)).to.deep.equal(['all-fresh', 'empty', 'no-dates']);
  });

  it('never expires non-date values or documents without the field', async () => {
    const coll = await ttlCollection(0);
    const old = Date.now() - DAY;
    await coll.insertMany([
      { _id: 'expired-sibling', at: new Date(old) },
      { _id: 'number', at: old },
      { _id: 'string', at: new Date(old).toISOString() },
      { _id: 'null', at: null },
      { _id: 'missing' },
      { _id: 'timestamp', at: new Timestamp({ t: Math.floor(old / 1000), i: 1 }) },
      { _id: 'object', at: { date: new Date(old) } },
    ]);
    // The sibling's deletion shows a pass covered this collection after the inserts.
    await waitFor('the expired sibling to be deleted', async () => !(await present(coll, 'expired-sibling')));
    expect(await ids(coll)).to.deep.equal(['missing', 'null', 'number', 'object', 'string', 'timestamp']);
  });

  it('expires only what the partial filter of the TTL index covers', async () => {
    const coll = await ttlCollection(60, { partialFilterExpression: { kind: 'temp' } });
    const old = new Date(Date.now() - HOUR);
    await coll.insertMany([
      { _id: 'temp', kind: 'temp', at: old },
      { _id: 'kept', kind: 'keep', at: old },
    ]);
    await waitFor('the covered document to be deleted', async () => !(await present(coll, 'temp')));
    await aFullPass();
    expect(await ids(coll)).to.deep.equal(['kept']);
  });

  it('follows expireAfterSeconds changed by collMod', async () => {
    const coll = await ttlCollection(DAY / 1000);
    const now = Date.now();
    await coll.insertMany([
      { _id: 'day-old', at: new Date(now - 2 * DAY) },
      { _id: 'hour-old', at: new Date(now - HOUR) },
      { _id: 'fresh', at: new Date(now) },
    ]);
    await waitFor(
      'the document older than a day to be deleted',
      async () => !(await present(coll, 'day-old')),
    );
    expect(await ids(coll)).to.deep.equal(['fresh', 'hour-old']);
    const reply = await database.command({
      collMod: coll.collectionName,
      index: { keyPattern: { at: 1 }, expireAfterSeconds: 60 },
    });
    expect(reply.expireAfterSeconds_new).to.equal(60);
    await waitFor('the hour-old document to be deleted', async () => !(await present(coll, 'hour-old')));
    expect(await ids(coll)).to.deep.equal(['fresh']);
  });

  it('shows its deletions to change streams as delete events', async () => {
    const coll = await ttlCollection(1);
    const stream = coll.watch([], { maxAwaitTimeMS: 100 });
    try {
      await stream.tryNext(); // the cursor exists on the server before the insert
      await coll.insertOne({ _id: 'gone', at: new Date(Date.now() - HOUR) });
      const inserted = await nextEvent(stream);
      expect(inserted.operationType).to.equal('insert');
      const deleted = await nextEvent(stream);
      expect(deleted.operationType).to.equal('delete');
      expect((deleted as { documentKey: unknown }).documentKey).to.deep.equal({ _id: 'gone' });
      expect((deleted as { ns: unknown }).ns).to.deep.equal({ db: db.dbName, coll: coll.collectionName });
    } finally {
      await stream.close();
    }
    expect(await present(coll, 'gone')).to.equal(false);
  });

  it("waits for a transaction's lock on an expired document, as a plain delete does", async () => {
    const coll = await ttlCollection(60);
    const old = new Date(Date.now() - HOUR);
    await coll.insertMany([
      { _id: 'locked', at: old, n: 0 },
      { _id: 'free', at: new Date() },
    ]);
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'locked' }, { $inc: { n: 1 } }, { session });
      // Another collection's expired document shows that passes go on while this one is locked.
      const other = await ttlCollection(60);
      await other.insertOne({ _id: 'sibling', at: old });
      await waitFor('the other collection to be expired', async () => !(await present(other, 'sibling')));
      await aFullPass();
      expect(await present(coll, 'locked')).to.equal(true);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    await waitFor('the unlocked document to be deleted', async () => !(await present(coll, 'locked')));
    expect(await ids(coll)).to.deep.equal(['free']);
  });

  it('reads and sets ttlMonitorSleepSecs and ttlMonitorEnabled through getParameter and setParameter', async () => {
    const admin = client.db('admin');
    const { ttlMonitorSleepSecs, ttlMonitorEnabled } = await admin.command({
      getParameter: 1,
      ttlMonitorSleepSecs: 1,
      ttlMonitorEnabled: 1,
    });
    expect(ttlMonitorSleepSecs).to.equal(1);
    expect(ttlMonitorEnabled).to.equal(true);
    try {
      expect((await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 2 })).was).to.equal(1);
      expect((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs).to.equal(
        2,
      );
      const zero = await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 0 }).catch((e: unknown) => e);
      expect(zero).to.be.instanceOf(MongoServerError);
      expect((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs).to.equal(
        2,
      );
      expect((await admin.command({ setParameter: 1, ttlMonitorEnabled: false })).was).to.equal(true);
      expect((await admin.command({ getParameter: 1, ttlMonitorEnabled: 1 })).ttlMonitorEnabled).to.equal(
        false,
      );
    } finally {
      await admin.command({ setParameter: 1, ttlMonitorEnabled: true, ttlMonitorSleepSecs: 1 });
    }
    expect(await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1, ttlMonitorEnabled: 1 })).to.include(
      {
        ttlMonitorSleepSecs: 1,
        ttlMonitorEnabled: true,
      },
    );
  });

  it('runs no pass while disabled and resumes when enabled again', async function () {
    if (!db.faults) this.skip(); // a real server may be in the middle of a pass when disabled
    const admin = client.db('admin');
    const coll = await ttlCollection(0);
    await admin.command({ setParameter: 1, ttlMonitorEnabled: false });
    try {
      await coll.insertOne({ _id: 'waiting', at: new Date(Date.now() - HOUR) });
      // A pass that had begun may still end; after that, three periods of 1 s go by with none.
      const settled = await passes();
      await sleep(3000);
      expect(await passes()).to.be.at.most(settled + 1);
      const idle = await passes();
      await sleep(1500);
      expect(await passes()).to.equal(idle);
      expect(await present(coll, 'waiting')).to.equal(true);
    } finally {
      await admin.command({ setParameter: 1, ttlMonitorEnabled: true });
    }
    await waitFor(
      'the expired document to be deleted once enabled',
      async () => !(await present(coll, 'waiting')),
    );
  });

  it('refuses bad values and unknown parameters, changing nothing', async function () {
    if (!db.faults) this.skip(); // the codes of a real server's parameter parsing vary by version
    const admin = client.db('admin');
    const attempt = (cmd: object) => admin.command({ setParameter: 1, ...cmd }).catch((e: unknown) => e);
    expect(await attempt({ ttlMonitorSleepSecs: 0 })).to.have.property('code', 2);
    expect(await attempt({ ttlMonitorSleepSecs: 1.5 })).to.have.property('code', 2);
    expect(await attempt({ ttlMonitorSleepSecs: 2 ** 31 })).to.have.property('code', 2);
    expect(await attempt({ ttlMonitorEnabled: 'yes' })).to.have.property('code', 2);
    expect(await attempt({ ttlMonitorSleepSecs: 5, noSuchParameter: 1 })).to.have.property('code', 72);
    expect(await attempt({ ttlMonitorSleepSecs: 5, ttlMonitorEnabled: 'no' })).to.have.property('code', 2);
    const now = await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1, ttlMonitorEnabled: 1 });
    expect(now).to.include({ ttlMonitorSleepSecs: 1, ttlMonitorEnabled: true });
  });

  describe('start options', function () {
    before(function () {
      if (process.env.MONGODB_URI) this.skip();
    });

    it('takes ttlMonitorSleepSecs and ttlMonitorEnabled from start()', async () => {
      const server = await start({ ttlMonitorSleepSecs: 1, ttlMonitorEnabled: false });
      const own = await new MongoClient(server.uri).connect();
      try {
        const admin = own.db('admin');
        const params = await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1, ttlMonitorEnabled: 1 });
        expect(params).to.include({ ttlMonitorSleepSecs: 1, ttlMonitorEnabled: false });
        const coll = own.db('ttl').collection<Item>('c');
        await coll.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
        await coll.insertOne({ _id: 'old', at: new Date(Date.now() - HOUR) });
        await admin.command({ setParameter: 1, ttlMonitorEnabled: true });
        await waitFor('the expired document to be deleted', async () => (await coll.countDocuments()) === 0);
        expect((await admin.command({ serverStatus: 1 })).metrics.ttl.deletedDocuments).to.equal(1);
      } finally {
        await own.close();
        await server.stop();
      }
    });

    it('refuses a ttlMonitorSleepSecs below 1', async () => {
      const err = await start({ ttlMonitorSleepSecs: 0 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RangeError);
    });
  });
});
