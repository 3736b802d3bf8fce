import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { Types, type Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { userModel, type Role } from '../users/user.model';
import { watchAccountChanges, type AccountChangeOptions } from './account-changes';

/**
 * How long an account's state may be served from memory when the change stream cannot vouch for it. With the read
 * itself, a change shows within 5 s.
 */
export const ACCOUNT_STATE_TTL_MS = 2000;
/** Accounts remembered at once (about 100 bytes each). */
const MAX_ACCOUNTS = 100_000;
/** Memory only: an account not asked about for this long is dropped. Validity is checked on every get. */
const MEMORY_TTL_MS = 10 * 60_000;
/** Most accounts read by one query (one `$in`). */
const MAX_BATCH = 500;

/** What a token is checked against: the account's current role, or `null` once it no longer exists. */
interface AccountState {
  role: Role | null;
  /** When the read of this state STARTED (a change after that may be missing from it). */
  readAt: number;
  /** The stream generation that vouches for it, or undefined: then it only lives ACCOUNT_STATE_TTL_MS. */
  vouchedBy: number | undefined;
}

/** The current role of an account, from a cache of the `users` collection kept fresh by a change stream. */
export interface AccountStates {
  /** The role now (at most ACCOUNT_STATE_TTL_MS behind), or null when the account was deleted. */
  roleOf(userId: string): Role | null | Promise<Role | null>;
  /** Stops the change stream. */
  close(): Promise<void>;
  /** Resolves once the change stream is open (or after a timeout: the cache then runs on its TTL meanwhile). */
  ready?: Promise<void>;
}

export type AccountStatesOptions = AccountChangeOptions;

/**
 * What the change stream currently vouches for. `generation` changes each time the stream breaks, which withdraws
 * every vouch given before (changes may be missed until it reopens).
 */
class StreamVouch {
  generation = 0;
  /** Set once the current stream has answered; reads that start after this see every later change arrive. */
  openedAt: number | undefined;
  /** Every change committed before this (after the stream opened) has been applied to the cache. */
  confirmedAt = -Infinity;
  /** Bumped by every change event: a read during which it moved may hold a value the event already replaced. */
  invalidations = 0;

  /** A vouch token for a read starting now, or undefined when the stream cannot vouch for it. */
  atReadStart(): { generation: number; invalidations: number } | undefined {
    if (this.openedAt === undefined) return undefined;
    return { generation: this.generation, invalidations: this.invalidations };
  }

  /** Whether a read that started with `start` is still vouched for now that it has finished. */
  stillVouches(start: { generation: number; invalidations: number } | undefined): boolean {
    return (
      start !== undefined &&
      start.generation === this.generation &&
      start.invalidations === this.invalidations
    );
  }

  broken(): void {
    this.generation++;
    this.openedAt = undefined;
    this.confirmedAt = -Infinity;
  }
}

/**
 * Tokens are checked against the account on every call, so deleting a user or changing a role takes effect
 * within seconds, not at the token's expiry. A purchase rush must not turn that into one read per request.
 *
 * - A change stream on `users` deletes the entry of each account that changes. While it is healthy, an entry stays
 *   valid until such a change arrives: `now - max(readAt, confirmedAt) <= ACCOUNT_STATE_TTL_MS`, where
 *   `confirmedAt` (the start of the last round trip of the stream, about every maxAwaitTimeMS) keeps moving. If the
 *   stream stalls, `confirmedAt` stops and every entry expires ACCOUNT_STATE_TTL_MS after it or after its read,
 *   whichever is later; if it breaks, its vouches are withdrawn at once. Either way a change shows within 2 s plus
 *   one read: the 5 s of the contract holds whatever the stream does.
 * - An entry is vouched for only if the stream was open before its read started (else a change between the read
 *   and the opening would never arrive) and no change event arrived during its read (else the event may have
 *   deleted an entry that did not exist yet, and this read may predate the change). Other entries live
 *   ACCOUNT_STATE_TTL_MS from the start of their read, as before the stream existed.
 * - Misses: concurrent misses of one account share one read, misses of different accounts in the same turn of the
 *   event loop share one query (DataLoader, dispatched with setImmediate, so it gathers every request parsed in one
 *   poll phase), and a deleted account is remembered too, so replaying its token costs no read either.
 * - A hit answers synchronously: no promise on the hot path.
 */
export function createAccountStates(
  connection: Connection,
  clock: Clock,
  logger: Logger,
  options: AccountStatesOptions = {},
): AccountStates {
  const users = userModel(connection);
  const now = () => clock.now().getTime();
  const vouch = new StreamVouch();
  const reads = new DataLoader<string, Role | null>(
    async (ids) => {
      const found = await users
        .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { role: 1 })
        .lean();
      const roles = new Map(found.map((user) => [String(user._id), user.role]));
      return ids.map((id) => roles.get(id) ?? null);
    },
    // The LRU cache below is the only cache; DataLoader only batches.
    { cache: false, maxBatchSize: MAX_BATCH, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  // Bounded in size and (in real time) in age for memory's sake only; validity is `usable`, by the injected clock.
  const cache = new LRUCache<string, AccountState>({ max: MAX_ACCOUNTS, ttl: MEMORY_TTL_MS });
  const pending = new Map<string, Promise<Role | null>>();

  const usable = (state: AccountState): boolean => {
    const vouched = state.vouchedBy === vouch.generation;
    const since = vouched ? Math.max(state.readAt, vouch.confirmedAt) : state.readAt;
    return now() - since <= ACCOUNT_STATE_TTL_MS;
  };

  const read = (userId: string): Promise<Role | null> => {
    const readAt = now();
    const start = vouch.atReadStart();
    const reading = reads.load(userId).then((role) => {
      // A later read (started after an invalidation) may have stored a newer state already.
      const current = cache.peek(userId);
      if (!current || current.readAt <= readAt) {
        cache.set(userId, {
          role,
          readAt,
          vouchedBy: vouch.stillVouches(start) ? start!.generation : undefined,
        });
      }
      return role;
    });
    pending.set(userId, reading);
    // Only this read's own slot is cleared: an invalidation may have handed it to a newer read.
    const clear = () => {
      if (pending.get(userId) === reading) pending.delete(userId);
    };
    reading.then(clear, clear);
    return reading;
  };

  if (!connection.db) throw new Error('the database connection is not open');
  const watch = watchAccountChanges(
    connection.db.collection(users.collection.collectionName),
    clock,
    logger,
    {
      opened: (at) => (vouch.openedAt = at),
      confirmed: (at) => (vouch.confirmedAt = Math.max(vouch.confirmedAt, at)),
      changed: (userId) => {
        vouch.invalidations++;
        if (userId === null) {
          cache.clear();
          pending.clear();
          return;
        }
        cache.delete(userId);
        // Callers from now on must not join a read that may predate the change.
        pending.delete(userId);
      },
      broken: () => vouch.broken(),
    },
    options,
  );

  return {
    roleOf(userId) {
      const hit = cache.get(userId);
      if (hit && usable(hit)) return hit.role;
      return pending.get(userId) ?? read(userId);
    },
    close: async () => {
      await watch.close();
      // Closed, the stream vouches for nothing: the states left live ACCOUNT_STATE_TTL_MS.
      vouch.broken();
    },
    ready: watch.ready,
  };
}
