import type { Connection, Types, mongo } from 'mongoose';
import { AppError } from '../errors';
import type { Sale } from './sale.model';
import { salesCollection } from './sale-directory';
import { VIEW_PROJECTION } from './sale.projections';

/** How to open the next round. */
export interface OpenRoundOptions {
  startsAt: Date;
  /** New units per round; defaults to the sale's current `units`. */
  units?: number;
  /** Open even while the current round is active and not sold out. */
  force?: boolean;
  /**
   * Set by the restart job: the schedule firing this round answers. The round opens only if no instance has
   * already opened one for this firing, and only if the current round had started by then.
   */
  scheduledAt?: Date;
}

/**
 * Opens the next round in one conditional update pinned to the current round: the inventory resets to `units`,
 * the per-user tallies reset, `version` increases. A purchase still in flight for the old round cannot land in
 * the new one because its update pins the old round. Returns the sale after the change, or null when a scheduled
 * opening lost to another instance. Throws NOT_FOUND, or ROUND_IN_PROGRESS while the round is active (no force).
 */
export async function openRound(
  connection: Connection,
  saleId: Types.ObjectId,
  options: OpenRoundOptions,
  now: Date,
): Promise<Sale | null> {
  const sales = salesCollection(connection);
  const current = await sales.findOne({ _id: saleId }, { projection: { round: 1, units: 1 } });
  if (!current) throw new AppError('NOT_FOUND', { message: 'No such sale' });

  const round = current.round;
  const units = options.units ?? current.units;
  const filter: mongo.Filter<Sale> = { _id: saleId, round };
  if (options.scheduledAt) {
    filter.startsAt = { $lte: options.scheduledAt };
    filter.lastScheduledRoundAt = { $not: { $gte: options.scheduledAt } };
  } else if (!options.force) {
    filter.$or = [{ remaining: { $lte: 0 } }, { startsAt: { $gt: now } }];
  }
  const set: Record<string, unknown> = {
    round: round + 1,
    units,
    remaining: units,
    sold: 0,
    orders: 0,
    buyers: {},
    startsAt: options.startsAt,
    updatedAt: now,
  };
  // A round that starts at once is visible through this very update; the start job has nothing left to do.
  if (options.startsAt.getTime() <= now.getTime()) set.startedRound = round + 1;
  if (options.scheduledAt) set.lastScheduledRoundAt = options.scheduledAt;
  // Outbox entries (`pending`, `seq`) of the closing round stay: their purchases are still being recorded.
  const update: mongo.UpdateFilter<Sale> = { $set: set, $inc: { version: 1 } };

  const after = await sales.findOneAndUpdate(filter, update, {
    returnDocument: 'after',
    projection: VIEW_PROJECTION,
  });
  if (after) return after as Sale;
  if (options.scheduledAt) return null;
  const latest = await sales.findOne({ _id: saleId }, { projection: { round: 1 } });
  if (!latest) throw new AppError('NOT_FOUND', { message: 'No such sale' });
  throw new AppError('ROUND_IN_PROGRESS', { details: { round: latest.round } });
}
