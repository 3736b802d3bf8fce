import type { ReconcileDeps } from '../purchases/reconciler';
import * as reconcileJob from './reconcile.job';
import * as saleRestartJob from './sale-restart.job';
import * as saleStartJob from './sale-start.job';

/** The running jobs. */
export interface Jobs {
  /** Stops every task; resolves when they are stopped. */
  stop(): Promise<void>;
}

/**
 * Starts the jobs: the reconciler runs once at once (a previous process may have died mid-purchase), then every
 * job on its schedule.
 */
export function startJobs(deps: ReconcileDeps): Jobs {
  void reconcileJob.run(deps).catch((error: unknown) => {
    deps.logger.error('startup reconcile failed', { error: String(error) });
  });
  const tasks = [saleStartJob.schedule(deps), saleRestartJob.schedule(deps), reconcileJob.schedule(deps)];
  return {
    stop: async () => {
      await Promise.allSettled(tasks.map(async (task) => task.destroy()));
    },
  };
}
