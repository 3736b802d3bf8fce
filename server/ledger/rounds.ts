import type { Types, mongo } from 'mongoose';
import { AppError } from '../errors';
import type { Sale } from './sale.model';
import { VIEW_PROJECTION } from './sale.projections';
import { nextRoundAt } from './schedule';
import { visibleChange, visiblePipeline } from './visible-change';

/**
 * Opens that reach the server less than this after another open decided are the same intent racing (a double
 * click, two operators, a retry, the schedule firing meanwhile): they get 409 naming the round that won.
 */
export const RACE_WINDOW_MS = 1000;

/** An admin's request for the next round. */
export interface AdminRoundRequest {
  startsAt: Date;
  /** New units per round; defaults to the sale's current `units`. */
  units?: number;
  /** Open even while the current round is active and not sold out. */
  force?: boolean;
  /** When this request reached the server: opens that raced it are judged by it. */
  receivedAt: Date;
}

/**
 * The keys map of a new round: only the keys of outbox entries (purchases still being recorded, of any round).
 * Every other key of the closing round has its purchase document, where the purchase path looks first.
 */
const CARRIED_KEYS = {
  $arrayToObject: {
    $map: {
      input: {
        $filter: {
          input: { $objectToArray: { $ifNull: ['$pending', {}] } },
          as: 'entry',
          cond: { $eq: [{ $type: '$$entry.v.d' }, 'string'] },
        },
      },
      as: 'entry',
      in: { k: '$$entry.v.d', v: true },
    },
  },
};

/**
 * The fields of a new round, as one pipeline stage: inventory reset, tallies reset, keys carried, the round's
 * clock (`lastAt`) reset so its first purchase is stamped by its own clock. Outbox entries of the closing round
 * (`pending`, `seq`) stay: their purchases are still being recorded.
 */
function newRound(
  sale: Pick<Sale, 'restartSchedule' | 'units'>,
  startsAt: Date,
  units: number | undefined,
  now: Date,
) {
  const fresh = units ?? sale.units;
  return {
    round: { $add: ['$round', 1] },
    units: { $literal: fresh },
    remaining: { $literal: fresh },
    sold: { $literal: 0 },
    orders: { $literal: 0 },
    buyers: { $literal: {} },
    keys: CARRIED_KEYS,
    lastAt: { $literal: null },
    startsAt: { $literal: startsAt },
    // A round that starts at once is visible through this very update; the start job has nothing left to do.
    pendingStartAt: { $literal: startsAt.getTime() > now.getTime() ? startsAt : null },
    nextRoundAt: { $literal: nextRoundAt(sale.restartSchedule, startsAt, now) },
    roundOpenedAt: { $literal: now },
  };
}

/**
 * Opens the next round for an admin: one conditional pipeline update pinned to the round read just before.
 * Without `force` the current round must be sold out or not started yet. Of opens that race each other (received
 * before, or less than RACE_WINDOW_MS after, the winner decided), exactly one opens a round; the others get 409
 * ROUND_IN_PROGRESS whose `details.round` names the round that won. Those that read the round before the winner
 * committed lose on the round pin; those that read it after lose on `roundOpenedAt`.
 */
export async function openRoundForAdmin(
  sales: mongo.Collection<Sale>,
  saleId: Types.ObjectId,
  request: AdminRoundRequest,
  now: Date,
): Promise<Sale> {
  const current = await sales.findOne(
    { _id: saleId },
    { projection: { round: 1, units: 1, restartSchedule: 1, roundOpenedAt: 1 } },
  );
  if (!current) throw new AppError('NOT_FOUND', { message: 'No such sale' });
  const filter: mongo.Filter<Sale> = {
    _id: saleId,
    round: current.round,
    // A round opened less than the race window before this request arrived won a race against it.
    $and: [
      {
        $or: [
          { roundOpenedAt: null },
          { roundOpenedAt: { $lte: new Date(request.receivedAt.getTime() - RACE_WINDOW_MS) } },
        ],
      },
    ],
  };
  if (!request.force) filter.$and!.push({ $or: [{ remaining: { $lte: 0 } }, { startsAt: { $gt: now } }] });
  const after = await sales.findOneAndUpdate(
    filter,
    visiblePipeline(newRound(current, request.startsAt, request.units, now), now),
    { returnDocument: 'after', projection: VIEW_PROJECTION },
  );
  if (after) return after as Sale;
  const latest = await sales.findOne({ _id: saleId }, { projection: { round: 1 } });
  if (!latest) throw new AppError('NOT_FOUND', { message: 'No such sale' });
  throw new AppError('ROUND_IN_PROGRESS', { details: { round: latest.round } });
}

/** A sale whose schedule is due, as the restart job reads it. */
export type DueSale = Pick<Sale, '_id' | 'round' | 'units' | 'restartSchedule' | 'nextRoundAt'>;

/** Sales whose `nextRoundAt` has come, oldest first, through the `nextRoundAt` index. */
export function dueRounds(sales: mongo.Collection<Sale>, now: Date, limit: number): Promise<DueSale[]> {
  return sales
    .find(
      { nextRoundAt: { $lte: now } },
      { projection: { round: 1, units: 1, restartSchedule: 1, nextRoundAt: 1 } },
    )
    .sort({ nextRoundAt: 1 })
    .limit(limit)
    .toArray() as Promise<DueSale[]>;
}

/**
 * Opens the round of a schedule firing: pinned to that firing (`nextRoundAt`), so with several instances a
 * firing opens exactly one round. The round starts at the firing; the next firing is the first after now (a
 * server that was down for several firings opens one round, not a burst). Null when another instance won.
 */
export async function openScheduledRound(
  sales: mongo.Collection<Sale>,
  sale: DueSale,
  now: Date,
): Promise<Sale | null> {
  const firing = sale.nextRoundAt;
  if (!firing) return null;
  const fields = newRound(sale, firing, undefined, now);
  const after = await sales.findOneAndUpdate(
    { _id: sale._id, nextRoundAt: firing },
    visiblePipeline(fields, now),
    { returnDocument: 'after', projection: VIEW_PROJECTION },
  );
  return (after as Sale | null) ?? null;
}

/** Rounds whose start has come but was not announced yet, through the `pendingStartAt` index. */
export function dueStarts(
  sales: mongo.Collection<Sale>,
  now: Date,
  limit: number,
): Promise<Pick<Sale, '_id' | 'round'>[]> {
  return sales
    .find({ pendingStartAt: { $lte: now } }, { projection: { round: 1 } })
    .sort({ pendingStartAt: 1 })
    .limit(limit)
    .toArray();
}

/**
 * Makes a round's start visible (version + 1, so the change stream fires at the start). Pinned to the round and
 * to "not announced", so several instances announce a start once. True when this call announced it.
 */
export async function announceStart(
  sales: mongo.Collection<Sale>,
  sale: Pick<Sale, '_id' | 'round'>,
  now: Date,
): Promise<boolean> {
  const result = await sales.updateOne(
    { _id: sale._id, round: sale.round, pendingStartAt: { $lte: now } },
    visibleChange({ $set: { pendingStartAt: null } }, now),
  );
  return result.modifiedCount === 1;
}
