import { LRUCache } from 'lru-cache';

/**
 * Serialised leaderboard pages in an LRU (lru-cache). A full page whose positions are contiguous can never change
 * (positions are handed out once and never reused), so it lives until evicted; any other page (the tail of a
 * round) lives for `ttlMs` and is dropped as soon as this process writes a purchase of its sale.
 */
export class PageCache {
  private readonly pages: LRUCache<string, string>;
  /** Keys of the pages that may still change, by sale. */
  private readonly mutableBySale = new Map<string, Set<string>>();

  constructor(maxEntries = 2000, ttlMs = 1000) {
    this.pages = new LRUCache<string, string>({
      max: maxEntries,
      ttl: ttlMs,
      dispose: (_body, key) => this.forgetMutable(key),
    });
  }

  get(key: string): string | undefined {
    return this.pages.get(key);
  }

  set(key: string, saleHex: string, body: string, immutable: boolean): void {
    // ttl 0: never stale (lru-cache's "no TTL" for one entry).
    this.pages.set(key, body, { ttl: immutable ? 0 : undefined });
    if (immutable) return;
    let keys = this.mutableBySale.get(saleHex);
    if (!keys) this.mutableBySale.set(saleHex, (keys = new Set()));
    keys.add(key);
  }

  /** Drops every page of the sale that could still change. */
  invalidate(saleHex: string): void {
    const keys = this.mutableBySale.get(saleHex);
    if (!keys) return;
    this.mutableBySale.delete(saleHex);
    for (const key of keys) this.pages.delete(key);
  }

  private forgetMutable(key: string): void {
    // Keys are `${saleHex}:...` (leaderboard.service.ts).
    const saleHex = key.slice(0, key.indexOf(':'));
    this.mutableBySale.get(saleHex)?.delete(key);
  }
}
