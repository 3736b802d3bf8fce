import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; null where /proc is missing. */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU used by each watched process during some runs. */
export interface CpuUse {
  /** CPU ms per request, in µs. */
  usPerRequest: number;
  /** CPU time / wall time: 1.0 is one core kept busy. */
  busy: number;
}

/** Measures the CPU the given processes use while `work` runs. */
export class CpuMeter {
  private cpuMs = new Map<string, number>();
  private wallMs = 0;

  constructor(private readonly pids: Record<string, number>) {}

  /** Runs `work` and adds the CPU each process used meanwhile. */
  async measure<T>(work: () => Promise<T>): Promise<T> {
    const before = Object.entries(this.pids).map(([name, pid]) => [name, cpuTimeMs(pid)] as const);
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.wallMs += performance.now() - started;
      for (const [name, at] of before) {
        const now = cpuTimeMs(this.pids[name]);
        if (at !== null && now !== null) this.cpuMs.set(name, (this.cpuMs.get(name) ?? 0) + now - at);
      }
    }
  }

  /** Per process: µs of CPU per request and the share of a core it kept busy. */
  result(requests: number): Record<string, CpuUse> {
    const out: Record<string, CpuUse> = {};
    for (const [name, ms] of this.cpuMs) {
      out[name] = { usPerRequest: requests > 0 ? (ms * 1000) / requests : NaN, busy: ms / this.wallMs };
    }
    return out;
  }
}
