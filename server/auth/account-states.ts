import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { Types, type Connection } from 'mongoose';
import type { Clock } from '../clock';
import { userModel, type Role } from '../users/user.model';

/** How long an account's state may be served from memory. With the read itself, a change shows within 5 s. */
export const ACCOUNT_STATE_TTL_MS = 2000;
/** Accounts remembered at once (about 100 bytes each). */
const MAX_ACCOUNTS = 100_000;
/** Most accounts read by one query (one `$in`). */
const MAX_BATCH = 500;

/** What a token is checked against: the account's current role, or `null` once it no longer exists. */
interface AccountState {
  role: Role | null;
}

/** The current role of an account, from a short-lived cache of the `users` collection. */
export interface AccountStates {
  /** The role now (at most ACCOUNT_STATE_TTL_MS old), or null when the account was deleted. */
  roleOf(userId: string): Role | null | Promise<Role | null>;
}

/**
 * Tokens are checked against the account on every call, so deleting a user or changing a role takes effect
 * within seconds, not at the token's expiry. A purchase rush must not turn that into one read per request: states
 * are kept ACCOUNT_STATE_TTL_MS (by the injected clock), concurrent misses of one account share one read, misses
 * of different accounts in the same turn of the event loop share one query (DataLoader, dispatched with
 * setImmediate, so it gathers every request parsed in one poll phase), and a deleted account is remembered too,
 * so replaying its token costs no read either.
 */
export function createAccountStates(connection: Connection, clock: Clock): AccountStates {
  const users = userModel(connection);
  const reads = new DataLoader<string, AccountState>(
    async (ids) => {
      const found = await users
        .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { role: 1 })
        .lean();
      const roles = new Map(found.map((user) => [String(user._id), user.role]));
      return ids.map((id) => ({ role: roles.get(id) ?? null }));
    },
    // The LRU cache below is the only cache; DataLoader only batches.
    { cache: false, maxBatchSize: MAX_BATCH, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  const cache = new LRUCache<string, AccountState>({
    max: MAX_ACCOUNTS,
    ttl: ACCOUNT_STATE_TTL_MS,
    perf: { now: () => clock.now().getTime() },
    fetchMethod: (userId) => reads.load(userId),
  });
  return {
    roleOf(userId) {
      // A hit answers synchronously: no promise on the hot path.
      const hit = cache.get(userId);
      if (hit) return hit.role;
      return cache.fetch(userId).then((state) => state?.role ?? null);
    },
  };
}
