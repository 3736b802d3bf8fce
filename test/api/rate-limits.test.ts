import { expect } from 'chai';
import type { Connection } from 'mongoose';
import type { EmbeddedMongo } from '@flash-sale/embedded-mongo';
import { RATE_LIMIT_COLLECTION } from '../../server/http/shared-limiter';
import { TestApp, type Answer } from '@flash-sale/harness/app';
import { startRig, type FaultRig } from '../faults/harness';

const LIMIT = 4;
/** Bounds a test that needs a whole burst inside one 1-second window: a slower burst is tried again. */
const BURST_ATTEMPTS = 3;

const login = (t: TestApp) =>
  t.request('POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'whatever1' } });

/** findAndModify commands the database server has run (or failed) so far (serverStatus, as MongoDB reports it). */
async function findAndModifyCount(
  connection: Connection,
  which: 'total' | 'failed' = 'total',
): Promise<number> {
  const status = await connection.db!.admin().command({ serverStatus: 1 });
  return Number(status.metrics?.commands?.findAndModify?.[which] ?? 0);
}

const counters = (t: TestApp) => t.connection.db!.collection(RATE_LIMIT_COLLECTION);

/** The counter documents of one key, one per window (`<key>:<window number>`). */
const windowsOf = (key: string) => new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`);

/** Windows are aligned to the clock: true when both times fall in the same second. */
const sameSecond = (a: number, b: number) => Math.floor(a / 1000) === Math.floor(b / 1000);

/** Waits (at most `marginMs`) until at least `marginMs` of the current aligned window of `windowMs` is left. */
async function earlyInWindow(windowMs: number, marginMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 10));
}

/** AUTH_RATE_LIMIT and PURCHASE_RATE_LIMIT hold across instances: the counters live in the shared database. */
describe('rate limits across instances', () => {
  let t: TestApp;
  let other: TestApp;
  before(async () => {
    t = await TestApp.start({ env: { AUTH_RATE_LIMIT: String(LIMIT), PURCHASE_RATE_LIMIT: String(LIMIT) } });
    other = await t.addInstance();
  });
  after(async () => {
    await other.stop();
    await t.stop();
  });

  it("holds one IP's auth limit across two instances, then refuses in memory with no database round trip", async () => {
    // The whole test in one aligned minute window.
    await earlyInWindow(60_000, 10_000);
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 2 * LIMIT + 2; i += 1) {
      last = await login(i % 2 === 0 ? t : other);
      statuses.push(last.status);
    }
    // Per-process counters would let 2 × LIMIT through.
    expect(statuses).to.deep.equal([
      ...Array<number>(LIMIT).fill(401),
      ...Array<number>(LIMIT + 2).fill(429),
    ]);
    expect(last!.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).to.be.within(1, 60);
    expect(last!.headers.get('ratelimit')).to.match(new RegExp(`^limit=${LIMIT}, remaining=0, reset=\\d+$`));

    // Both instances have now seen the key over its limit: further refusals are decided in memory.
    const counter = await counters(t).findOne({ key: windowsOf('auth:127.0.0.1') });
    const before = await findAndModifyCount(t.connection);
    const refused = await Promise.all(Array.from({ length: 40 }, (_, i) => login(i % 2 === 0 ? t : other)));
    expect(refused.map((a) => a.status)).to.deep.equal(Array<number>(40).fill(429));
    expect(await findAndModifyCount(t.connection)).to.equal(before);
    expect((await counters(t).findOne({ key: windowsOf('auth:127.0.0.1') }))!.points).to.equal(
      counter!.points,
    );
  });

  it("holds one user's purchase limit across two instances under a concurrent burst", async () => {
    const admin = await t.createUser({ role: 'admin' });
    const sale = await t.createSale(admin, { units: 1000, perUserLimit: 100 });
    let answers: Answer[] = [];
    for (let attempt = 0; attempt < BURST_ATTEMPTS; attempt += 1) {
      const buyer = await t.createUser();
      const started = Date.now();
      answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? t : other).buy(buyer, sale.id)),
      );
      // Windows are aligned to the clock's seconds: a burst sent and answered within one was judged in one.
      if (sameSecond(started, Date.now())) break;
    }
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).to.have.length(LIMIT);
    expect(statuses.filter((s) => s === 429)).to.have.length(20 - LIMIT);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.error.code).to.equal('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).to.be.oneOf(['0', '1']);
  });

  it('counts purchase calls refused as sold out from memory in this process only, with no round trip', async () => {
    const admin = await t.createUser({ role: 'admin' });
    const sale = await t.createSale(admin, { units: 1, perUserLimit: 1 });
    expect((await t.buy(await t.createUser(), sale.id)).status).to.equal(201);
    const probe = await t.createUser();
    let statuses: number[] = [];
    let buyer = probe;
    for (let attempt = 0; attempt < BURST_ATTEMPTS; attempt += 1) {
      // Until the live cache of this instance knows the round is sold out (bounded): a fresh 409 from memory.
      const deadline = Date.now() + 5000;
      while ((await t.buy(probe, sale.id)).body.error?.code !== 'SOLD_OUT' && Date.now() < deadline);
      buyer = await t.createUser();
      const before = await findAndModifyCount(t.connection);
      const started = Date.now();
      statuses = [];
      for (let i = 0; i < LIMIT + 2; i += 1) statuses.push((await t.buy(buyer, sale.id)).status);
      // Judged in one window, on a round read less than a second before: nothing reached the database.
      if (Date.now() - started < 500 && sameSecond(started, Date.now())) {
        expect(await findAndModifyCount(t.connection)).to.equal(before);
        break;
      }
    }
    expect(statuses).to.deep.equal([...Array<number>(LIMIT).fill(409), 429, 429]);
    expect(await counters(t).countDocuments({ key: windowsOf(`purchase:${buyer.id}`) })).to.equal(0);
  });

  it('counts each window in a document of its own: the next window starts from zero, one upsert per call', async () => {
    const admin = await t.createUser({ role: 'admin' });
    const sale = await t.createSale(admin, { units: 1000, perUserLimit: 100 });
    const buyer = await t.createUser();
    const burst = await Promise.all(Array.from({ length: LIMIT + 1 }, () => t.buy(buyer, sale.id)));
    expect(burst.map((a) => a.status)).to.include(429);
    // The limiter reads Date.now (a library clock that cannot be injected): wait out the 1 s window.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The finished window's document is still there (TTL deletes run once a minute); the next has its own.
    const failedBefore = await findAndModifyCount(t.connection, 'failed');
    const next: Answer[] = [];
    for (let i = 0; i < LIMIT; i += 1) next.push(await other.buy(buyer, sale.id));
    expect(next.map((a) => a.status)).to.deep.equal(Array<number>(LIMIT).fill(201));
    // No duplicate-key failure on the way (the library's replace-the-expired-document path).
    expect(await findAndModifyCount(t.connection, 'failed')).to.equal(failedBefore);
    expect(await counters(t).countDocuments({ key: windowsOf(`purchase:${buyer.id}`) })).to.be.within(2, 3);
  });
});

/** Fault injection needs a database of its own: the embedded server, never a shared or external one. */
describe('rate limits while the database is unreachable', function () {
  this.timeout(30_000);
  let rig: FaultRig | undefined;
  let server: EmbeddedMongo;
  let baseUrl: string;

  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    rig = await startRig({ env: { AUTH_RATE_LIMIT: '2' }, jobs: false });
    server = rig.db;
    baseUrl = rig.url;
  });
  after(async () => {
    await rig?.close();
  });

  it('falls back to the same limit per process: 503 from the route within the limit, 429 past it', async () => {
    server.faults.refuseConnections(15_000);
    server.faults.dropConnections();
    const answers = await Promise.all(
      Array.from({ length: 3 }, () =>
        fetch(`${baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@example.com', password: 'whatever1' }),
        }),
      ),
    );
    const codes = await Promise.all(answers.map(async (res) => (await res.json()).error.code as string));
    expect(codes.sort()).to.deep.equal(['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect(answers.find((res) => res.status === 429)!.headers.get('retry-after')).to.match(/^\d+$/);
  });
});
