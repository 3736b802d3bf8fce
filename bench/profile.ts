import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { newJwtSecret, startAppServer } from './lib/app-server';
import type { BenchContext, Placement } from './lib/context';
import { mintCallers, openDb } from './lib/fixtures';
import { ROOT, startDatabaseProcess, type DatabaseProcess } from './lib/processes';
import { formatProfile, summarizeProfile } from './lib/profile-summary';
import { measurePurchases } from './rows/purchase';
import { startReferences } from './rows/reference';

/** The main thread's profile in a --cpu-prof directory (tsx's loader thread writes a second, smaller one). */
function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/**
 * Runs the purchase path (1,000 buyers) once more with `node --cpu-prof` on the server and on the embedded
 * database, and returns where their CPU time went. Profiles are kept in bench/results/profiles/<time>/.
 */
export async function profilePurchasePath(where: Placement, log: (line: string) => void): Promise<string[]> {
  const dir = path.join(ROOT, 'bench', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const appDir = path.join(dir, 'server');
  const dbDir = path.join(dir, 'database');
  mkdirSync(appDir, { recursive: true });
  mkdirSync(dbDir, { recursive: true });
  log(`-- profiling the purchase path (${dir})`);
  const external = process.env.MONGODB_URI;
  let database: DatabaseProcess | undefined;
  if (!external) {
    database = await startDatabaseProcess({
      cpu: where.database,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dbDir],
    });
  }
  const base = new URL(external ?? database!.uri);
  base.pathname = `/bench_profile_${Date.now()}`;
  const mongodbUri = base.toString();
  const jwtSecret = newJwtSecret();
  const app = await startAppServer({
    mongodbUri,
    jwtSecret,
    cpu: where.server,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', appDir],
  });
  const handle = await openDb(mongodbUri);
  const refs = await startReferences({ mongodbUri, jwtSecret, cpu: where.server });
  const ctx: BenchContext = {
    mongodbUri,
    jwtSecret,
    app,
    admin: mintCallers(jwtSecret, 1, 'admin')[0],
    db: handle.db,
    placement: where,
    refs,
    runSec: 2,
    pairs: 2,
    connections: 50,
    log,
  };
  let figure: string;
  try {
    const { comparison, counts } = await measurePurchases(ctx, 1000);
    figure = `profiled run (1,000 buyers): ${comparison.ratio.toFixed(2)}× floor under the profiler, count errors ${counts.errors}`;
  } finally {
    await refs.stop();
    await handle.close();
    // A graceful stop is what makes node write the profile.
    await app.process.stop(15_000);
    await database?.process.stop(15_000);
  }
  const lines = [figure];
  for (const [title, d] of [
    ['server', appDir],
    ['embedded database', dbDir],
  ] as const) {
    const file = mainProfile(d);
    if (file)
      lines.push(...formatProfile(`${title} (${path.relative(ROOT, file)})`, summarizeProfile(file, 12)));
  }
  return lines;
}
