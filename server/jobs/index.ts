import type { ReconcileDeps } from '../ledger';
import * as reconcileJob from './reconcile.job';
import * as saleRestartJob from './sale-restart.job';
import * as saleStartJob from './sale-start.job';

/** The running jobs. */
export interface Jobs {
  /** Stops every task; resolves when they are stopped. */
  stop(): Promise<void>;
}

/** Schedules every job (node-cron, UTC). The start-up reconciliation is the app's (it gates readiness). */
export function startJobs(deps: ReconcileDeps): Jobs {
  const tasks = [saleStartJob.schedule(deps), saleRestartJob.schedule(deps), reconcileJob.schedule(deps)];
  return {
    stop: async () => {
      await Promise.allSettled(tasks.map(async (task) => task.destroy()));
    },
  };
}
