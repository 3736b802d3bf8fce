import type { Db } from 'mongodb';
import type { AppServer, Caller } from '@flash-sale/harness';
import type { LoadSpec } from './compare';

/** Where each process runs (CPU numbers for taskset; undefined: wherever the OS puts it). */
export interface Placement {
  server?: number;
  database?: number;
  load?: number;
}

/** Everything a benchmark row needs. */
export interface BenchContext {
  /** The database the server under test uses (its own database name in the URI path). */
  mongodbUri: string;
  jwtSecret: string;
  app: AppServer;
  admin: Caller;
  /** A driver handle on the same database, for setup and for checking counts. */
  db: Db;
  placement: Placement;
  /** Processes the server under test uses, for CPU accounting (name -> pid). */
  serverProcesses: Record<string, number>;
  /** The reference loads every ratio divides by (servers started once for the whole run). */
  refs: { baseline: LoadSpec; floor: LoadSpec };
  /** Seconds of each measured run of a comparison (after a 1 s warm-up). */
  runSec: number;
  /** Alternating (reference, subject) pairs per comparison; the median ratio is the figure. */
  pairs: number;
  /** Concurrent HTTP connections of the throughput rows. */
  connections: number;
  log(line: string): void;
}

/** One line of the results table, plus everything measured for the JSON file. */
export interface Row {
  name: string;
  /** The headline figure, as printed. */
  figure: string;
  /** The target, as printed ("" when there is none). */
  target: string;
  /** True/false when there is a target; null for reference rows. */
  met: boolean | null;
  /** Free-form measurements for the JSON file. */
  data: Record<string, unknown>;
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
