/**
 * `npm run test:crash [-- --iterations 20 --buyers 2000 --seed N]`: kill -9 of the server during rushes, with
 * every invariant checked after each iteration. Exits non-zero when any iteration found a problem.
 */
import { readCommandLine } from '@flash-sale/crowd';
import { crashIteration, describeIteration, seededRandom, startCrashEnv } from '@flash-sale/harness';

const options = readCommandLine({
  name: 'test:crash',
  summary:
    'Rushes with the server killed (SIGKILL) at a random instant and restarted; every invariant checked.',
  options: {
    iterations: { kind: 'int', placeholder: 'N', help: 'rushes', min: 1, max: 10_000, default: 20 },
    buyers: { kind: 'int', placeholder: 'N', help: 'buyers per rush', min: 1, max: 100_000, default: 2000 },
    seed: {
      kind: 'int',
      placeholder: 'N',
      help: 'random seed (the default comes from the clock)',
      min: 0,
      max: 2 ** 31 - 1,
      default: Date.now() % 1_000_000,
    },
  },
});

async function main(): Promise<number> {
  const { iterations, buyers, seed } = options;
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
