import type { BenchContext } from '../lib/context';
import { mintCallers } from '../lib/fixtures';
import { runLoad, type LoadOptions, type LoadResult } from '../lib/http-load';
import { freePort, startChild, waitReady } from '../lib/processes';

/** Callers whose tokens rotate through every authenticated load (the same for every row). */
export const CALLERS = 1000;

/**
 * A 1 s warm-up (JIT, pools, caches), a short pause for requests the warm-up's stop cut off, then the measured
 * run: a fixed number of requests (the warm-up's rate times `durationSec`), so every measured request is answered
 * and counts can be checked exactly. `between` runs after the pause (e.g. to read counts before the measured run).
 */
export async function warmAndMeasure(
  ctx: BenchContext,
  options: Omit<LoadOptions, 'durationSec' | 'connections' | 'amount'>,
  between?: () => Promise<void>,
): Promise<{ warm: LoadResult; measured: LoadResult }> {
  const warm = await runLoad({ ...options, connections: ctx.connections, durationSec: 1 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await between?.();
  const amount = Math.max(ctx.connections * 10, Math.round(warm.rps * ctx.durationSec));
  const measured = await runLoad({ ...options, connections: ctx.connections, amount });
  return { warm, measured };
}

/** The small JSON POST body every throughput row sends. */
export const BODY = JSON.stringify({ quantity: 1 });

/** Headers with a rotating bearer token (the baseline ignores it; the client builds the same request). */
export function rotatingAuth(secret: string, callers = CALLERS): (i: number) => Record<string, string> {
  const tokens = mintCallers(secret, callers).map((c) => `Bearer ${c.token}`);
  return (i) => ({ authorization: tokens[i % tokens.length] });
}

/** Runs a load against a reference server started as a child (same CPU as the server under test). */
async function measureChild(
  ctx: BenchContext,
  script: string,
  path: string,
  env: Record<string, string>,
): Promise<LoadResult> {
  const port = await freePort();
  const child = startChild({
    script,
    cpu: ctx.placement.server,
    env: { NODE_ENV: 'production', PORT: String(port), ...env },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitReady(`${url}/readyz`, child);
    const { measured } = await warmAndMeasure(ctx, {
      url,
      path: () => path,
      body: BODY,
      headers: rotatingAuth(ctx.jwtSecret),
    });
    return measured;
  } finally {
    await child.stop(5000);
  }
}

/** Bare Express 5 answering a small JSON POST: the denominator of the HTTP ratios. */
export function measureBaseline(ctx: BenchContext): Promise<LoadResult> {
  return measureChild(ctx, 'bench/servers/baseline.ts', '/echo', {});
}

/** JWT verify + one findOneAndUpdate + one insertOne on the same database: the purchase path's floor. */
export function measureFloor(ctx: BenchContext): Promise<LoadResult> {
  return measureChild(ctx, 'bench/servers/floor.ts', '/buy', {
    MONGODB_URI: ctx.mongodbUri,
    JWT_SECRET: ctx.jwtSecret,
  });
}
