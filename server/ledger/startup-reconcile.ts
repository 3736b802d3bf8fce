import { setTimeout as sleep } from 'node:timers/promises';
import { reconcile, type ReconcileDeps } from './reconciler';

const RETRY_PAUSE_MS = 100;

/**
 * The start-up reconciliation: every outbox entry, whatever its age (a process killed a moment ago left entries
 * younger than the periodic run's 2 s), until no sale is left deferred. Restoring an entry whose request is
 * still finishing on another instance is safe: the restored document has the same id, position and time, and
 * that request's insert then meets a duplicate key, which it treats as done. Resolves with the purchases
 * restored; retries until it succeeds or `signal` aborts.
 */
export async function reconcileAtStartup(deps: ReconcileDeps, signal?: AbortSignal): Promise<number> {
  let restored = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const result = await reconcile(deps, { minAgeMs: 0 });
      restored += result.restored;
      if (result.deferred === 0) return restored;
    } catch (error) {
      deps.logger.warn('start-up reconciliation failed; retrying', { error: String(error) });
    }
    await sleep(RETRY_PAUSE_MS, undefined, { signal });
  }
}
