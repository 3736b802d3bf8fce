import cron, { type ScheduledTask } from 'node-cron';
import { openRound } from '../sales/rounds';
import { salesCollection } from '../sales/sale-directory';
import { scheduleJob, type JobDeps } from './job';

/** A tick may come late; firings this far back still open their round (once). */
const LOOKBACK_SECONDS = 10;

/** The latest second in (now - lookback, now] at which `expression` fires (UTC), or null. */
export function latestFiring(expression: string, now: Date): Date | null {
  const matcher = cron.createTask(expression, () => undefined, { timezone: 'UTC' });
  try {
    const second = Math.floor(now.getTime() / 1000) * 1000;
    for (let back = 0; back < LOOKBACK_SECONDS; back += 1) {
      const candidate = new Date(second - back * 1000);
      if (matcher.match(candidate)) return candidate;
    }
    return null;
  } finally {
    void matcher.destroy();
  }
}

/**
 * Opens a new round for every sale whose `restartSchedule` fired. The opening is one conditional update pinned
 * to the round and to "no round opened for this firing yet" (`lastScheduledRoundAt`), so with several instances a
 * firing opens exactly one round. A firing before the current round started does nothing (an admin's scheduled
 * round is not replaced). Returns how many rounds it opened.
 */
export async function run(deps: JobDeps): Promise<number> {
  const now = deps.clock.now();
  const sales = await salesCollection(deps.connection)
    .find(
      { restartSchedule: { $type: 'string' } },
      { projection: { restartSchedule: 1, startsAt: 1, lastScheduledRoundAt: 1 } },
    )
    .limit(1000)
    .toArray();
  let opened = 0;
  for (const sale of sales) {
    const firing = latestFiring(sale.restartSchedule as string, now);
    if (!firing || new Date(sale.startsAt).getTime() > firing.getTime()) continue;
    if (sale.lastScheduledRoundAt && new Date(sale.lastScheduledRoundAt).getTime() >= firing.getTime())
      continue;
    try {
      const after = await openRound(
        deps.connection,
        sale._id,
        { startsAt: firing, force: true, scheduledAt: firing },
        now,
      );
      if (after) {
        opened += 1;
        deps.logger.info('round opened by schedule', { saleId: String(sale._id), round: after.round });
      }
    } catch (error) {
      deps.logger.warn('scheduled round not opened', { saleId: String(sale._id), error: String(error) });
    }
  }
  return opened;
}

/** Runs every second (schedules may use a seconds field). */
export function schedule(deps: JobDeps): ScheduledTask {
  return scheduleJob('sale-restart', '* * * * * *', () => run(deps), deps.logger);
}
