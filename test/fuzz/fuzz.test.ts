import { expect } from 'chai';
import type { Db } from 'mongodb';
import { TestApp, makeFixtures, type Fixtures, fuzzHttp, fuzzSockets } from '@flash-sale/harness/app';

/** A small per-IP connection cap, so crowds of sockets reach it. */
const SOCKET_CAP = 5;

/** A sample of `npm run fuzz` (which sends 10,000+ requests): a fixed number of runs, a fresh seed each time. */
describe('fuzzing every route and socket event', function () {
  this.timeout(60_000);
  let t: TestApp;
  let fixtures: Fixtures;
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

  before(async () => {
    t = await TestApp.start({ env: { SOCKET_CONNECTIONS_PER_IP: String(SOCKET_CAP) } });
    fixtures = await makeFixtures(t);
  });
  after(async () => {
    await t?.stop();
  });

  it(`answers hostile HTTP requests without a 5xx or a change from a refusal (seed ${seed})`, async () => {
    const stats = await fuzzHttp(t.baseUrl, t.connection.db as unknown as Db, fixtures, {
      numRuns: 400,
      seed,
    });
    expect(stats.requests).to.be.greaterThan(300);
    // The sample reached past validation: some purchases went through, and refusals of every family happened.
    expect(stats.byStatus['201'] ?? 0).to.be.greaterThan(0);
    expect(stats.byStatus['400'] ?? 0).to.be.greaterThan(0);
    expect(stats.byStatus['401'] ?? 0).to.be.greaterThan(0);
    // ... and the hardening rules were exercised: wrong media types, wrong methods.
    expect(stats.byStatus['415'] ?? 0).to.be.greaterThan(0);
    expect(stats.byStatus['405'] ?? 0).to.be.greaterThan(0);
  });

  it(`answers hostile socket events with well-formed acks and stays up (seed ${seed})`, async () => {
    const stats = await fuzzSockets(t.baseUrl, fixtures, { numRuns: 150, seed, connectionCap: SOCKET_CAP });
    expect(stats.events).to.equal(150);
    expect(stats.acked.ok).to.be.greaterThan(0);
    expect(Object.keys(stats.acked.refused).length).to.be.greaterThan(0);
  });
});
