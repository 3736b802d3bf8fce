import type { ScheduledTask } from 'node-cron';
import { reconcile, type ReconcileDeps } from '../ledger';
import { scheduleJob } from './job';

/** Writes purchases a crashed process committed on a sale but never recorded. Returns how many it restored. */
export async function run(deps: ReconcileDeps): Promise<number> {
  return (await reconcile(deps)).restored;
}

/** Runs every 2 seconds. */
export function schedule(deps: ReconcileDeps): ScheduledTask {
  return scheduleJob('reconcile', '*/2 * * * * *', () => run(deps), deps.logger);
}
