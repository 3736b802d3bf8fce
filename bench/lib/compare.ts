import type { BenchContext } from './context';
import { CpuMeter, type CpuUse } from './cpu';
import { runLoad, type LoadOptions, type LoadResult } from './http-load';

/** A load without its size: `compare` decides connections and amounts. */
export type LoadSpec = Omit<LoadOptions, 'connections' | 'amount' | 'durationSec'> & {
  /** Processes whose CPU this load uses (name -> pid), measured during its runs. */
  processes?: Record<string, number>;
};

/** A subject measured against a reference in alternating runs. */
export interface Comparison {
  /** Median of the per-pair ratios subject/reference (req/s). */
  ratio: number;
  ratios: number[];
  /** Every run of each side merged (requests, statuses, rate); latencies of the median pair. */
  reference: LoadResult;
  subject: LoadResult;
  /** CPU per request and busy share of each process of each side, over the measured runs. */
  cpu: { reference: Record<string, CpuUse>; subject: Record<string, CpuUse> };
}

/** Sums runs: requests, statuses, errors and time; the rate over the total time; latencies of run `pick`. */
function merge(runs: LoadResult[], pick: number): LoadResult {
  const statuses: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, n] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const durationSec = runs.reduce((n, r) => n + r.durationSec, 0);
  return {
    requests,
    durationSec,
    rps: requests / durationSec,
    latencyMs: runs[pick].latencyMs,
    statuses,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Measures `subject` against `reference` the way a shared, noisy machine allows: both warm up for 1 s, then they
 * alternate (reference, subject) `ctx.pairs` times, each run a fixed number of requests (its warm-up rate times
 * `ctx.runSec`), and the figure is the median of the per-pair ratios. Drift of the machine hits both sides of a
 * pair alike. Fixed amounts mean every measured request of the subject is answered, so counts can be checked
 * exactly; `afterWarmUp` runs once the warm-up's cut-off requests have settled (e.g. to read counts).
 */
export async function compare(
  ctx: BenchContext,
  reference: LoadSpec,
  subject: LoadSpec,
  afterWarmUp?: () => Promise<void>,
): Promise<Comparison> {
  const connections = ctx.connections;
  const warmRef = await runLoad({ ...reference, connections, durationSec: 1 });
  const warmSub = await runLoad({ ...subject, connections, durationSec: 1 });
  await pause(300);
  await afterWarmUp?.();
  const amount = (warm: LoadResult) => Math.max(connections * 5, Math.round(warm.rps * ctx.runSec));
  const refRuns: LoadResult[] = [];
  const subRuns: LoadResult[] = [];
  const refCpu = new CpuMeter({ load: process.pid, ...reference.processes });
  const subCpu = new CpuMeter({ load: process.pid, ...subject.processes });
  for (let i = 0; i < ctx.pairs; i += 1) {
    refRuns.push(await refCpu.measure(() => runLoad({ ...reference, connections, amount: amount(warmRef) })));
    subRuns.push(await subCpu.measure(() => runLoad({ ...subject, connections, amount: amount(warmSub) })));
  }
  const ratios = subRuns.map((s, i) => s.rps / refRuns[i].rps);
  const order = ratios.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const median = order[Math.floor(order.length / 2)];
  const ref = merge(refRuns, median[1]);
  const sub = merge(subRuns, median[1]);
  return {
    ratio: median[0],
    ratios,
    reference: ref,
    subject: sub,
    cpu: { reference: refCpu.result(ref.requests), subject: subCpu.result(sub.requests) },
  };
}
