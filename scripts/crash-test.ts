/**
 * `npm run test:crash [-- --iterations 20 --buyers 2000 --seed N]`: kill -9 of the server during rushes, with
 * every invariant checked after each iteration. Exits non-zero when any iteration found a problem.
 */
import { parseArgs } from 'node:util';
import { crashIteration, describeIteration, seededRandom, startCrashEnv } from '../test/crash/kill9';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '20' },
      buyers: { type: 'string', default: '2000' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    },
  });
  const iterations = Number(values.iterations);
  const buyers = Number(values.buyers);
  const seed = Number(values.seed);
  console.log(`kill -9 during a rush: ${iterations} iterations, ${buyers} buyers each, seed ${seed}`);
  const env = await startCrashEnv((line) => console.log(line));
  const random = seededRandom(seed);
  let failed = 0;
  try {
    for (let i = 1; i <= iterations; i += 1) {
      const report = await crashIteration(env, i, {
        buyers,
        units: buyers,
        perLimit: 2,
        concurrency: 100,
        random,
      });
      console.log(describeIteration(report));
      if (report.problems.length > 0) failed += 1;
    }
  } finally {
    await env.close();
  }
  console.log(
    failed === 0 ? `all ${iterations} iterations exact` : `${failed} of ${iterations} iterations FAILED`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
