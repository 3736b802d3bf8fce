import { Long } from 'bson';
import type { Doc } from '../engine/types';

/** MongoDB counts a command under its canonical name, whatever alias the client sent. */
const CANONICAL: Record<string, string> = {
  findandmodify: 'findAndModify',
  ismaster: 'isMaster',
  buildinfo: 'buildInfo',
};

/** Where MongoDB counts the commands it does not know. */
const UNKNOWN = '<UNKNOWN>';

/**
 * How many times each command ran and how many of those failed (`ok: 0`): serverStatus `metrics.commands`, in
 * MongoDB's shape (`{<name>: {failed, total}}`, int64 counters), so a client can see how many round trips of a
 * kind reached the server.
 */
export class CommandCounters {
  private readonly counts = new Map<string, { total: number; failed: number }>();

  /** Counts one command; `known` is false for a name no handler serves. */
  record(name: string, known: boolean, ok: boolean): void {
    const key = known ? (CANONICAL[name] ?? name) : UNKNOWN;
    let count = this.counts.get(key);
    if (!count) {
      count = { total: 0, failed: 0 };
      this.counts.set(key, count);
    }
    count.total += 1;
    if (!ok) count.failed += 1;
  }

  /** The `metrics.commands` document of serverStatus. */
  toDoc(): Doc {
    const doc: Doc = {};
    for (const [name, { total, failed }] of this.counts) {
      doc[name] = { failed: Long.fromNumber(failed), total: Long.fromNumber(total) };
    }
    return doc;
  }
}
