import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile this reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where the time went: self time by function and by area (package or folder), as shares of all samples. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of samples with the process idle (waiting for I/O). */
  idleShare: number;
  byArea: { area: string; share: number }[];
  byFunction: { fn: string; share: number }[];
}

/** The area a script belongs to: `pkg:<name>` for dependencies, the first two folders for the app, else node. */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node-core';
  const rel = url.replace(/^file:\/\//, '');
  const parts = path.relative(path.resolve(__dirname, '../..'), rel).split(path.sep);
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts.join('/');
}

/** Reads a .cpuprofile and sums self time. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'} ${where} [${area}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const share = (us: number) => (total > 0 ? us / total : 0);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    totalMs: total / 1000,
    idleShare: share(idle),
    byArea: sorted(byArea).map(([area, us]) => ({ area, share: share(us) })),
    byFunction: sorted(byFunction).map(([fn, us]) => ({ fn, share: share(us) })),
  };
}

/** The summary as printable lines. */
export function formatProfile(title: string, summary: ProfileSummary): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  return [
    `${title}: ${summary.totalMs.toFixed(0)} ms sampled, idle ${pct(summary.idleShare)}`,
    '  by area (self time):',
    ...summary.byArea.map((a) => `    ${pct(a.share)}  ${a.area}`),
    '  by function (self time):',
    ...summary.byFunction.map((f) => `    ${pct(f.share)}  ${f.fn}`),
  ];
}
