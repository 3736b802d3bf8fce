import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Placement, Row } from './context';
import type { CpuUse } from './cpu';
import { ROOT } from '@flash-sale/harness';

/** The machine, as the results file and the README report it. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/** The results as a fixed-width table. */
export function formatTable(rows: Row[]): string {
  const header = ['figure', 'measured', 'target', 'met'];
  const cells = rows.map((r) => [r.name, r.figure, r.target, r.met === null ? '' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** Per compared row: CPU µs per request and busy share of each process, reference then subject. */
export function formatCpu(rows: Row[]): string {
  const lines = ['CPU per request (µs) and share of a core kept busy, reference -> subject:'];
  for (const row of rows) {
    const cpu = (
      row.data.comparison as { cpu?: Record<'reference' | 'subject', Record<string, CpuUse>> } | undefined
    )?.cpu;
    if (!cpu) continue;
    const side = (uses: Record<string, CpuUse>) =>
      Object.entries(uses)
        .map(([name, u]) => `${name} ${u.usPerRequest.toFixed(0)} µs (${(u.busy * 100).toFixed(0)}%)`)
        .join(', ');
    lines.push(`  ${row.name}: ${side(cpu.reference)} -> ${side(cpu.subject)}`);
  }
  return lines.join('\n');
}

/** Writes the run to bench/results/bench-<time>.json and returns the path. */
export function writeResults(rows: Row[], placement: Placement, extra: Record<string, unknown>): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `bench-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), machine: machine(), placement, rows, ...extra }, null, 2)}\n`,
  );
  return file;
}
