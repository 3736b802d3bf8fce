import type { ScheduledTask } from 'node-cron';
import { salesCollection } from '../sales/sale-directory';
import { scheduleJob, type JobDeps } from './job';

/**
 * Makes the start of each round visible: for rounds whose `startsAt` has passed and whose start was not announced
 * yet, one conditional update sets `startedRound` and increases `version`, so the change stream fires at the start.
 * It only announces: status is derived from the clock, so a late or missed run never blocks a started sale, and
 * the condition makes several instances announce a start once. Returns how many starts it announced.
 */
export async function run(deps: JobDeps): Promise<number> {
  const now = deps.clock.now();
  const sales = salesCollection(deps.connection);
  const due = await sales
    .find(
      { startsAt: { $lte: now }, $expr: { $lt: ['$startedRound', '$round'] } },
      { projection: { round: 1 } },
    )
    .limit(1000)
    .toArray();
  let started = 0;
  for (const sale of due) {
    const result = await sales.updateOne(
      { _id: sale._id, round: sale.round, startedRound: { $lt: sale.round }, startsAt: { $lte: now } },
      { $set: { startedRound: sale.round, updatedAt: now }, $inc: { version: 1 } },
    );
    started += result.modifiedCount;
  }
  return started;
}

/** Runs every second. */
export function schedule(deps: JobDeps): ScheduledTask {
  return scheduleJob('sale-start', '* * * * * *', () => run(deps), deps.logger);
}
