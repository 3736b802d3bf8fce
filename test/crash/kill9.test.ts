import { expect } from 'chai';
import {
  crashIteration,
  describeIteration,
  seededRandom,
  startCrashEnv,
  type CrashEnv,
} from '@flash-sale/harness';

/**
 * The short version of `npm run test:crash`: the embedded database in its own process, the server as a child
 * process, SIGKILLed at a random point of a 2,000-buyer rush and restarted; twice.
 */
describe('kill -9 of the server during a rush', function () {
  this.timeout(120_000);
  let env: CrashEnv;
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  const random = seededRandom(seed);

  before(async function () {
    // The server under test is a child process started here; an external MONGODB_URI is not used.
    env = await startCrashEnv(() => undefined);
  });
  after(async () => {
    await env?.close();
  });

  for (const iteration of [1, 2]) {
    it(`keeps the ledger exact across a SIGKILL and a restart (iteration ${iteration}, seed ${seed})`, async () => {
      const report = await crashIteration(env, iteration, {
        buyers: 2000,
        units: 2000,
        perLimit: 2,
        concurrency: 100,
        random,
      });
      expect(report.problems, describeIteration(report)).to.deep.equal([]);
      expect(report.restartMs).to.be.greaterThan(0);
      // Ready means reconciled: the first leaderboard read after the restart lists every unit sold by then.
      expect(report.atReadiness.sold).to.be.greaterThan(0);
      expect(report.atReadiness.listed).to.equal(report.atReadiness.sold);
      expect(report.sold).to.be.greaterThan(0);
      expect(report.answers['201']).to.be.greaterThan(0);
      expect(report.nextPurchase).to.equal(201);
    });
  }
});
