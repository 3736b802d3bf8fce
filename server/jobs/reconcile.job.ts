import type { ScheduledTask } from 'node-cron';
import { reconcile, type ReconcileDeps } from '../purchases/reconciler';
import { scheduleJob } from './job';

/** Writes purchases a crashed process committed on a sale but never recorded. Returns how many it restored. */
export function run(deps: ReconcileDeps): Promise<number> {
  return reconcile(deps);
}

/** Runs every 2 seconds. */
export function schedule(deps: ReconcileDeps): ScheduledTask {
  return scheduleJob('reconcile', '*/2 * * * * *', () => run(deps), deps.logger);
}
