import cron, { type ScheduledTask } from 'node-cron';
import type { Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';

/** What every job needs. */
export interface JobDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
}

/**
 * Schedules `run` on a cron expression (UTC). Runs never overlap, and a failing run is logged, not thrown: the
 * next tick tries again.
 */
export function scheduleJob(
  name: string,
  expression: string,
  run: () => Promise<unknown>,
  logger: Logger,
): ScheduledTask {
  return cron.schedule(
    expression,
    async () => {
      try {
        await run();
      } catch (error) {
        logger.error('job failed', {
          job: name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
    { name, noOverlap: true, timezone: 'UTC' },
  );
}

/** Due items read per page. */
const DUE_PAGE = 100;
/** Items of a page settled at once (each is one conditional update). */
const DUE_CONCURRENCY = 8;
/** A tick stops after this many pages or this long; the next tick goes on where it stopped. */
const DUE_MAX_PAGES = 50;
const DUE_MAX_MS = 5000;

/**
 * Works through due items a page at a time: `next(limit)` reads the oldest due items (through an index), `handle`
 * settles one and says how many it changed. Bounded in pages and time, and stops when a page changes nothing
 * (items that keep failing wait for the next tick instead of spinning). Returns the total changed.
 */
export async function drainDue<T>(
  next: (limit: number) => Promise<T[]>,
  handle: (item: T) => Promise<number>,
): Promise<number> {
  const deadline = Date.now() + DUE_MAX_MS;
  let total = 0;
  for (let page = 0; page < DUE_MAX_PAGES && Date.now() < deadline; page += 1) {
    const items = await next(DUE_PAGE);
    let changed = 0;
    for (let i = 0; i < items.length; i += DUE_CONCURRENCY) {
      const settled = await Promise.all(items.slice(i, i + DUE_CONCURRENCY).map(handle));
      changed += settled.reduce((sum, n) => sum + n, 0);
    }
    total += changed;
    if (items.length < DUE_PAGE || changed === 0) break;
  }
  return total;
}
