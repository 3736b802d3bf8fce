import type { ScheduledTask } from 'node-cron';
import { SaleLedger } from '../ledger';
import { drainDue, scheduleJob, type JobDeps } from './job';

/**
 * Opens a new round for every sale whose stored next firing (`nextRoundAt`) has come. Due sales come from the
 * `nextRoundAt` index, oldest first, so a tick costs what the due sales cost, not what all sales cost. Each
 * opening is one conditional update pinned to that firing, so with several instances a firing opens exactly one
 * round, and the same update stores the following firing. Returns how many rounds it opened.
 */
export async function run(deps: JobDeps): Promise<number> {
  const ledger = new SaleLedger(deps.connection);
  const now = deps.clock.now();
  const opened = await drainDue(
    (limit) => ledger.dueRounds(now, limit),
    async (sale) => {
      try {
        const after = await ledger.openScheduledRound(sale, now);
        if (!after) return 0;
        deps.logger.debug('round opened by schedule', { saleId: String(sale._id), round: after.round });
        return 1;
      } catch (error) {
        deps.logger.warn('scheduled round not opened', { saleId: String(sale._id), error: String(error) });
        return 0;
      }
    },
  );
  // One line per tick, however many sales fired.
  if (opened > 0) deps.logger.info('rounds opened by schedule', { rounds: opened });
  return opened;
}

/** node-cron is the clock: one task, every second (schedules may use a seconds field). */
export function schedule(deps: JobDeps): ScheduledTask {
  return scheduleJob('sale-restart', '* * * * * *', () => run(deps), deps.logger);
}
