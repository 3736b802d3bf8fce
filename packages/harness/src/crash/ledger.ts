import { ObjectId, type Db } from 'mongodb';

/** What the database says about the current round of a sale, and every invariant it breaks. */
export interface LedgerReport {
  round: number;
  units: number;
  sold: number;
  remaining: number;
  /** Purchases committed in the round, by the sale document. */
  orders: number;
  purchaseDocs: number;
  /** Sum of the quantities of the round's purchase documents. */
  purchasedUnits: number;
  outboxLeft: number;
  /** Every broken invariant, in words; empty when the ledger is exact. */
  problems: string[];
}

/**
 * Reads the sale and its purchases straight from the database (not through the API under test) and checks:
 * sold + remaining == units; purchase documents == orders and their quantities add up to sold; positions exactly
 * 1..orders; purchasedAt never decreasing along them; nobody over the per-user limit; no idempotency key used
 * twice; the outbox drained.
 */
export async function checkLedger(db: Db, saleId: string): Promise<LedgerReport> {
  const _id = new ObjectId(saleId);
  const sale = await db.collection('sales').findOne({ _id });
  if (!sale) throw new Error(`no sale ${saleId}`);
  const docs = await db
    .collection('purchases')
    .find({ saleId: _id, round: sale.round })
    .project({ position: 1, userId: 1, quantity: 1, idempotencyKey: 1, purchasedAt: 1 })
    .toArray();
  const problems: string[] = [];
  const purchasedUnits = docs.reduce((n, d) => n + (d.quantity as number), 0);
  const outboxLeft = Object.keys(sale.pending ?? {}).length;
  if (sale.sold + sale.remaining !== sale.units) {
    problems.push(`sold ${sale.sold} + remaining ${sale.remaining} != units ${sale.units}`);
  }
  if (docs.length !== sale.orders) problems.push(`${docs.length} purchase documents, ${sale.orders} orders`);
  if (purchasedUnits !== sale.sold) problems.push(`purchases add up to ${purchasedUnits}, sold ${sale.sold}`);
  const byPosition = [...docs].sort((a, b) => (a.position as number) - (b.position as number));
  if (byPosition.some((d, i) => d.position !== i + 1)) problems.push('positions are not exactly 1..orders');
  problems.push(...chronologyProblems(byPosition.map((d) => new Date(d.purchasedAt as Date).getTime())));
  const perUser = new Map<string, number>();
  const keys = new Set<string>();
  for (const d of docs) {
    const user = String(d.userId);
    perUser.set(user, (perUser.get(user) ?? 0) + (d.quantity as number));
    if (d.idempotencyKey !== undefined) {
      const key = `${user}/${String(d.idempotencyKey)}`;
      if (keys.has(key)) problems.push(`idempotency key used twice: ${key}`);
      keys.add(key);
    }
  }
  const over = [...perUser.values()].filter((q) => q > sale.perUserLimit).length;
  if (over > 0) problems.push(`${over} users over the per-user limit of ${sale.perUserLimit}`);
  if (outboxLeft > 0) problems.push(`${outboxLeft} outbox entries left`);
  return {
    round: sale.round,
    units: sale.units,
    sold: sale.sold,
    remaining: sale.remaining,
    orders: sale.orders,
    purchaseDocs: docs.length,
    purchasedUnits,
    outboxLeft,
    problems,
  };
}

/**
 * Polls until the outbox of the sale is empty and every committed purchase has its document (the reconciler
 * restores those a killed process never wrote), or until `timeoutMs`. Returns how long it took.
 */
export async function waitForReconciled(db: Db, saleId: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const _id = new ObjectId(saleId);
  for (;;) {
    const sale = await db
      .collection('sales')
      .findOne({ _id }, { projection: { pending: 1, orders: 1, round: 1 } });
    if (!sale) throw new Error(`no sale ${saleId}`);
    const docs = await db.collection('purchases').countDocuments({ saleId: _id, round: sale.round });
    if (Object.keys(sale.pending ?? {}).length === 0 && docs === sale.orders) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Polls until the outbox of the sale is empty (the drain removes entries 100 ms after their purchase), or until
 * `timeoutMs`. Returns how long it took.
 */
export async function waitForDrained(db: Db, saleId: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const _id = new ObjectId(saleId);
  for (;;) {
    const sale = await db.collection('sales').findOne({ _id }, { projection: { pending: 1 } });
    if (!sale) throw new Error(`no sale ${saleId}`);
    if (Object.keys(sale.pending ?? {}).length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Where `purchasedAt` (ms, in position order) steps back, in words. */
export function chronologyProblems(times: number[]): string[] {
  const back = times.findIndex((t, i) => i > 0 && t < times[i - 1]);
  return back < 0
    ? []
    : [`purchasedAt steps back at position ${back + 1} by ${times[back - 1] - times[back]} ms`];
}

/** One leaderboard item, as the API answers it. */
export interface LeaderboardItem {
  position: number;
  user: { id: string };
  quantity: number;
  purchasedAt: string;
}

/** Every position of a round as the public leaderboard shows it, in page order (see `leaderboardItems`). */
export async function leaderboardPositions(
  baseUrl: string,
  saleId: string,
  round: number,
): Promise<number[]> {
  return (await leaderboardItems(baseUrl, saleId, round)).map((item) => item.position);
}

/** Every item of a round's public leaderboard, following cursors (bounded in pages and time), in page order. */
export async function leaderboardItems(
  baseUrl: string,
  saleId: string,
  round: number,
): Promise<LeaderboardItem[]> {
  const items: LeaderboardItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const query: string = `round=${round}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: Response = await fetch(`${baseUrl}/api/sales/${saleId}/leaderboard?${query}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) throw new Error(`leaderboard answered ${res.status}`);
    const body = (await res.json()) as { items: LeaderboardItem[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('leaderboard: too many pages');
}

/** Problems of a leaderboard walk: duplicates, gaps, or a length other than `orders`. */
export function leaderboardProblems(positions: number[], orders: number): string[] {
  const problems: string[] = [];
  if (new Set(positions).size !== positions.length) problems.push('leaderboard has duplicate positions');
  if (positions.some((p, i) => p !== i + 1)) problems.push('leaderboard positions are not 1..n in order');
  if (positions.length !== orders)
    problems.push(`leaderboard shows ${positions.length} buyers, ${orders} orders`);
  return problems;
}

/** What a round's leaderboard must add up to. */
export interface RoundTotals {
  /** Units sold in the round. */
  sold: number;
  /** Purchases in the round. */
  orders: number;
  perUserLimit: number;
}

/**
 * Problems of a whole leaderboard against the ledger: positions (see `leaderboardProblems`), quantities adding up
 * to `sold`, `purchasedAt` never decreasing along the positions, nobody over the per-user limit.
 */
export function leaderboardLedgerProblems(items: LeaderboardItem[], totals: RoundTotals): string[] {
  const problems = leaderboardProblems(
    items.map((item) => item.position),
    totals.orders,
  );
  const listed = items.reduce((n, item) => n + item.quantity, 0);
  if (listed !== totals.sold) problems.push(`leaderboard adds up to ${listed}, sold ${totals.sold}`);
  problems.push(...chronologyProblems(items.map((item) => Date.parse(item.purchasedAt))));
  const perUser = new Map<string, number>();
  for (const item of items) perUser.set(item.user.id, (perUser.get(item.user.id) ?? 0) + item.quantity);
  const over = [...perUser.values()].filter((q) => q > totals.perUserLimit).length;
  if (over > 0) problems.push(`leaderboard: ${over} users over the per-user limit of ${totals.perUserLimit}`);
  return problems;
}
