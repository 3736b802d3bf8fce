import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Placement } from './lib/context';
import { ROOT } from '@flash-sale/harness';
import { formatProfile, summarizeProfile } from './lib/profile-summary';
import { startStack } from './lib/stack';
import { measurePurchases } from './rows/purchase';

/** The main thread's profile in a --cpu-prof directory (tsx's loader thread writes a second, smaller one). */
function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/**
 * Runs the purchase path (1,000 buyers, against the floor) once more with `node --cpu-prof` on the server and on
 * the embedded database, and returns where their CPU time went. Profiles are kept in
 * bench/results/profiles/<time>/ (open them in Chrome DevTools for the call trees).
 */
export async function profilePurchasePath(where: Placement, log: (line: string) => void): Promise<string[]> {
  const dir = path.join(ROOT, 'bench', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const dirs = { server: path.join(dir, 'server'), database: path.join(dir, 'database') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  log(`-- profiling the purchase path (${dir})`);
  const stack = await startStack({
    placement: where,
    log,
    dbName: 'bench_profile',
    runSec: 2,
    pairs: 2,
    connections: 50,
    nodeArgs: {
      server: ['--cpu-prof', '--cpu-prof-dir', dirs.server],
      database: ['--cpu-prof', '--cpu-prof-dir', dirs.database],
    },
  });
  let figure: string;
  try {
    const { comparison, counts } = await measurePurchases(stack.ctx, 1000);
    figure = `profiled run (1,000 buyers): ${comparison.ratio.toFixed(2)}× floor under the profiler, count errors ${counts.errors}`;
  } finally {
    await stack.stop();
  }
  const lines = [figure];
  for (const [title, d] of Object.entries(dirs)) {
    const file = mainProfile(d);
    if (file)
      lines.push(...formatProfile(`${title} (${path.relative(ROOT, file)})`, summarizeProfile(file, 12)));
  }
  return lines;
}
