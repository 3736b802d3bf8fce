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
