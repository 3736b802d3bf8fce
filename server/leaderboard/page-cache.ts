/** A cached page, serialised once. */
interface Entry {
  body: string;
  /** ms since epoch; Infinity for pages that can never change. */
  expiresAt: number;
  saleHex: string;
}

/**
 * A small LRU of serialised leaderboard pages. A full page whose positions are contiguous can never change
 * (positions are handed out once and never reused), so it lives until evicted; any other page (the tail of a
 * round) lives for `ttlMs` and is dropped as soon as this process writes a purchase of its sale.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly mutableBySale = new Map<string, Set<string>>();

  constructor(
    private readonly maxEntries = 2000,
    private readonly ttlMs = 1000,
  ) {}

  get(key: string, nowMs: number): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= nowMs) {
      this.delete(key, entry);
      return undefined;
    }
    // Refresh recency.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  set(key: string, saleHex: string, body: string, immutable: boolean, nowMs: number): void {
    const old = this.entries.get(key);
    if (old) this.delete(key, old);
    if (this.entries.size >= this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.delete(oldestKey, oldest);
    }
    this.entries.set(key, { body, saleHex, expiresAt: immutable ? Infinity : nowMs + this.ttlMs });
    if (!immutable) {
      let keys = this.mutableBySale.get(saleHex);
      if (!keys) this.mutableBySale.set(saleHex, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Drops every page of the sale that could still change. */
  invalidate(saleHex: string): void {
    const keys = this.mutableBySale.get(saleHex);
    if (!keys) return;
    for (const key of keys) this.entries.delete(key);
    this.mutableBySale.delete(saleHex);
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.mutableBySale.get(entry.saleHex)?.delete(key);
  }
}
