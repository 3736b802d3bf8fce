import type { LeaderboardItem } from '../leaderboard/leaderboard.service';

/** One purchase as a change of the sale reports it: the leaderboard item and its round. */
export interface CommittedPurchase {
  round: number;
  item: LeaderboardItem;
}

/** A purchase whose time is not in the update yet (see `committedPurchase`). */
export interface UnstampedPurchase {
  round: number;
  item: Omit<LeaderboardItem, 'purchasedAt'>;
  /** The deciding instance's clock. */
  at: Date;
  /** The time the update set, or null when it left `lastAt` unchanged (then it equals the previous purchase's). */
  lastAt: Date | null;
}

const PENDING = 'pending.';

/**
 * The purchase a sale update committed, read from the update's changed fields: the ledger's purchase update sets
 * `orders` (the position), `lastAt` (the time: the later of the previous purchase's and this clock) and one outbox
 * entry `pending.<id>` (buyer, quantity, round, clock) in the same atomic step. When the deciding clock was behind,
 * `lastAt` did not change and is not among the changed fields. Any other update (drain, round, start) yields null.
 */
export function committedPurchase(fields: Record<string, unknown> | undefined): UnstampedPurchase | null {
  if (!fields) return null;
  const position = fields.orders;
  if (typeof position !== 'number') return null;
  const entries = Object.keys(fields).filter((key) => key.startsWith(PENDING));
  if (entries.length !== 1) return null;
  const entry = fields[entries[0]] as Record<string, unknown> | null;
  if (!entry || typeof entry !== 'object') return null;
  const { round, userId, userName, quantity, at } = entry;
  if (
    typeof round !== 'number' ||
    typeof quantity !== 'number' ||
    typeof userName !== 'string' ||
    userId == null
  )
    return null;
  if (!(at instanceof Date)) return null;
  return {
    round,
    item: { position, user: { id: String(userId), name: userName }, quantity },
    at,
    lastAt: fields.lastAt instanceof Date ? fields.lastAt : null,
  };
}
