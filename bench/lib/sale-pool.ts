/**
 * Sales for a load that buys more units than one round may hold (the contract's MAX_UNITS, 10,000): each
 * request is sent to one sale of a pool, every sale gets at most `quota` requests (so, buying one unit per
 * request, it never sells out when `quota` < its units), and the pool creates the next sales ahead of need, so
 * `next()` stays synchronous (it runs inside the load generator's request hook).
 */
export class SalePool {
  private readonly ids: string[] = [];
  private issued = 0;
  private refilling: Promise<void> | null = null;
  /** Requests sent past the last sale's quota because the pool had no next sale yet (0 in a sound run). */
  overflow = 0;
  /** The last error of a background creation, if any. */
  failure: unknown = null;

  private constructor(
    private readonly quota: number,
    private readonly create: () => Promise<string>,
    private readonly ahead: number,
  ) {
    if (!Number.isInteger(quota) || quota < 1) throw new Error(`quota must be a positive integer: ${quota}`);
    if (!Number.isInteger(ahead) || ahead < 1) throw new Error(`ahead must be a positive integer: ${ahead}`);
  }

  /** A pool with `ahead` sales ready; `create` makes one sale and returns its id. */
  static async open(quota: number, create: () => Promise<string>, ahead = 2): Promise<SalePool> {
    const pool = new SalePool(quota, create, ahead);
    while (pool.ids.length < ahead) pool.ids.push(await create());
    return pool;
  }

  /** The sale of the next request. */
  next(): string {
    const index = Math.floor(this.issued / this.quota);
    this.issued += 1;
    if (this.ids.length - index <= this.ahead) this.refill();
    if (index < this.ids.length) return this.ids[index];
    this.overflow += 1;
    return this.ids[this.ids.length - 1];
  }

  /** Requests handed a sale so far. */
  get requests(): number {
    return this.issued;
  }

  /** Every sale that has received a request (in order), for checking counts afterwards. */
  get used(): string[] {
    const touched = this.issued === 0 ? 0 : Math.floor((this.issued - 1) / this.quota) + 1;
    return this.ids.slice(0, Math.min(touched, this.ids.length));
  }

  /** Every sale created so far. */
  get all(): string[] {
    return [...this.ids];
  }

  /** Resolves once no creation is under way (tests; a load never needs to wait). */
  async settled(): Promise<void> {
    while (this.refilling) await this.refilling;
  }

  /** One background creation at a time; each adds one sale and checks again. */
  private refill(): void {
    if (this.refilling) return;
    this.refilling = (async () => {
      try {
        this.ids.push(await this.create());
      } catch (error) {
        this.failure = error;
      }
    })().finally(() => {
      this.refilling = null;
      const index = Math.floor(Math.max(0, this.issued - 1) / this.quota);
      if (this.failure === null && this.ids.length - index <= this.ahead) this.refill();
    });
  }
}
