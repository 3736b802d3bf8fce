import { type Connection, type Types } from 'mongoose';
import type { KeyObject } from 'node:crypto';
import { AppError } from '../errors';
import type { Purchase } from '../purchases/purchase.model';
import { purchasesCollection } from '../purchases/purchases.collection';
import type { SaleDirectory } from '../sales/sale-directory';
import { CursorCodec } from './cursor';
import { PageCache } from './page-cache';

/** A leaderboard request, validated. */
export interface LeaderboardQuery {
  round?: number;
  limit: number;
  cursor?: string;
}

/** The contract's leaderboard item. */
export interface LeaderboardItem {
  position: number;
  user: { id: string; name: string };
  quantity: number;
  purchasedAt: string;
}

/** How stale the default round may be: rounds open rarely, and this process forgets it when it opens one. */
const CURRENT_ROUND_MAX_AGE_MS = 1000;

const PROJECTION = { position: 1, userId: 1, userName: 1, quantity: 1, purchasedAt: 1 } as const;

/**
 * Leaderboard pages: `position > after` in one round on the index {saleId, round, position}, limit + 1 to know if
 * there is more. The cost of a page is one index range scan of `limit + 1` entries, whatever the round's size.
 * Answers are serialised JSON strings, cached (see PageCache).
 */
export class LeaderboardService {
  private readonly cursors: CursorCodec;
  private readonly cache = new PageCache();

  constructor(
    private readonly connection: Connection,
    private readonly directory: SaleDirectory,
    jwtKey: KeyObject,
  ) {
    this.cursors = new CursorCodec(jwtKey);
  }

  /** The page as a JSON string. Throws NOT_FOUND for an unknown sale, VALIDATION_ERROR for a foreign cursor. */
  async page(saleId: Types.ObjectId, saleHex: string, query: LeaderboardQuery): Promise<string> {
    const info = await this.directory.get(saleId, saleHex, CURRENT_ROUND_MAX_AGE_MS);
    if (!info) throw new AppError('NOT_FOUND', { message: 'No such sale' });
    let round = query.round ?? info.round;
    let after = 0;
    if (query.cursor !== undefined) {
      const at = this.cursors.decode(saleHex, query.cursor);
      if (query.round !== undefined && query.round !== at.round) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ path: 'round', message: '"round" does not match the cursor', type: 'cursor.round' }],
        });
      }
      round = at.round;
      after = at.position;
    }
    const key = `${saleHex}:${round}:${after}:${query.limit}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;

    const docs = (await purchasesCollection(this.connection)
      .find({ saleId, round, position: { $gt: after } }, { projection: PROJECTION })
      .sort({ saleId: 1, round: 1, position: 1 })
      .limit(query.limit + 1)
      .toArray()) as Pick<Purchase, keyof typeof PROJECTION>[];
    const more = docs.length > query.limit;
    const items: LeaderboardItem[] = (more ? docs.slice(0, query.limit) : docs).map((doc) => ({
      position: doc.position,
      user: { id: String(doc.userId), name: doc.userName },
      quantity: doc.quantity,
      purchasedAt: new Date(doc.purchasedAt).toISOString(),
    }));
    const last = items.at(-1);
    const nextCursor = more && last ? this.cursors.encode(saleHex, { round, position: last.position }) : null;
    const body = JSON.stringify({ saleId: saleHex, round, items, nextCursor });
    const contiguous = items.every((item, index) => item.position === after + index + 1);
    this.cache.set(key, saleHex, body, more && contiguous);
    return body;
  }

  /** Drops cached pages of a sale that may change (called when this process writes purchases of it). */
  invalidate(saleHex: string): void {
    this.cache.invalidate(saleHex);
  }
}
