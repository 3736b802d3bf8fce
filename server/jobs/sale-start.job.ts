import type { ScheduledTask } from 'node-cron';
import { SaleLedger } from '../ledger';
import { drainDue, scheduleJob, type JobDeps } from './job';

/**
 * Makes the start of each round visible: rounds whose `pendingStartAt` has passed get one conditional update
 * (version + 1), so the change stream fires at the start. It only announces: status is derived from the clock, so
 * a late or missed run never blocks a started sale, and the condition makes several instances announce a start
 * once. Due rounds come from an index, so a tick costs the same however many sales exist. Returns how many
 * starts it announced.
 */
export async function run(deps: JobDeps): Promise<number> {
  const ledger = new SaleLedger(deps.connection);
  const now = deps.clock.now();
  return drainDue(
    (limit) => ledger.dueStarts(now, limit),
    async (sale) => ((await ledger.announceStart(sale, now)) ? 1 : 0),
  );
}

/** Runs every second. */
export function schedule(deps: JobDeps): ScheduledTask {
  return scheduleJob('sale-start', '* * * * * *', () => run(deps), deps.logger);
}
