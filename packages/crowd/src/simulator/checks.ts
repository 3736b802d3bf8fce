import { answerKey, sleep, type ApiClient } from './http';
import type { PurchaseRecord } from './crowd';
import { readSale } from './sale';
import { SimulationError, type LeaderboardItem, type SaleView } from './types';

/** One exactness check and its outcome. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Answers a purchase may get from a healthy server during a rush (anything else is a failure). */
const EXPECTED_PURCHASE_CODES = new Set([
  'SOLD_OUT',
  'INSUFFICIENT_STOCK',
  'USER_LIMIT_REACHED',
  'SALE_NOT_STARTED',
  'RATE_LIMITED',
]);

/** Leaderboard page size (the contract's maximum). */
const PAGE = 100;

/** Reads every leaderboard entry of one round, page by page; the page count is bounded by the round's units. */
export async function readLeaderboard(
  client: ApiClient,
  saleId: string,
  round: number,
  units: number,
): Promise<LeaderboardItem[]> {
  const items: LeaderboardItem[] = [];
  let cursor: string | null = null;
  const maxPages = Math.ceil(units / PAGE) + 2;
  for (let page = 0; page < maxPages; page += 1) {
    const query: string = `round=${round}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await client.call<{ items?: LeaderboardItem[]; nextCursor?: string | null }>(
      'GET',
      `/api/sales/${encodeURIComponent(saleId)}/leaderboard?${query}`,
    );
    if (answer.status !== 200 || !Array.isArray(answer.body?.items))
      throw new SimulationError(`The leaderboard answered ${answerKey(answer)}.`);
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor ?? null;
    if (!cursor) return items;
  }
  throw new SimulationError(`The leaderboard of round ${round} has more pages than ${units} units can fill.`);
}

/** The state the checks judge: the sale after the rush and its round's leaderboard. */
export interface FinalState {
  sale: SaleView;
  round: number;
  leaderboard: LeaderboardItem[];
}

/**
 * Reads the sale and the leaderboard of `round` after the rush. Purchase documents may trail the sale's counter
 * by a moment (the outbox), so it re-reads until the leaderboard adds up to `sold`, for at most `settleMs`.
 */
export async function readFinalState(
  client: ApiClient,
  saleId: string,
  round: number,
  settleMs: number,
  signal?: AbortSignal,
): Promise<FinalState> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const { sale } = await readSale(client, saleId);
    const leaderboard = await readLeaderboard(client, saleId, round, sale.units);
    const total = leaderboard.reduce((sum, item) => sum + item.quantity, 0);
    const settled = sale.round !== round || total === sale.sold;
    if (settled || Date.now() >= deadline || signal?.aborted) return { sale, round, leaderboard };
    await sleep(250, signal);
  }
}

function check(name: string, ok: boolean, detail: string): Check {
  return { name, ok, detail };
}

/**
 * The simulator's own exactness checks: a healthy, contract-shaped answer to every call; `sold + remaining ==
 * units`; the leaderboard adds up to `sold` with unique positions 1..n; no buyer over a limit; every purchase this
 * run was sold is on the leaderboard as it was answered.
 */
export function runChecks(state: FinalState, records: readonly PurchaseRecord[]): Check[] {
  const { sale, round, leaderboard } = state;
  const checks: Check[] = [];

  const unexpected = records.filter(
    (r) => !(r.status === 201 && r.purchase) && !(r.code && EXPECTED_PURCHASE_CODES.has(r.code)),
  );
  const kinds = [...new Set(unexpected.map(answerKey))].join(', ');
  checks.push(
    check(
      'every purchase answer is a success or an expected refusal',
      unexpected.length === 0,
      unexpected.length ? `${unexpected.length} unexpected answers: ${kinds}` : `${records.length} answers`,
    ),
  );

  checks.push(
    check(
      'sold + remaining == units',
      sale.sold + sale.remaining === sale.units && sale.remaining >= 0,
      `${sale.sold} + ${sale.remaining} ${sale.sold + sale.remaining === sale.units ? '==' : '!='} ${sale.units}`,
    ),
  );

  const total = leaderboard.reduce((sum, item) => sum + item.quantity, 0);
  if (sale.round === round) {
    checks.push(
      check(
        'leaderboard quantities add up to sold',
        total === sale.sold,
        `${total} on the leaderboard, ${sale.sold} sold`,
      ),
    );
  } else {
    checks.push(
      check(
        'leaderboard within the units of the round',
        total <= sale.units,
        `round ${round} closed (now round ${sale.round}); ${total} units on its leaderboard`,
      ),
    );
  }

  const positions = leaderboard.map((item) => item.position).sort((a, b) => a - b);
  const contiguous = positions.every((position, i) => position === i + 1);
  checks.push(
    check(
      'positions are unique and run 1..n',
      contiguous,
      contiguous ? `1..${positions.length}` : `positions ${positions.slice(0, 10).join(', ')}…`,
    ),
  );

  const perUser = new Map<string, number>();
  for (const item of leaderboard) perUser.set(item.user.id, (perUser.get(item.user.id) ?? 0) + item.quantity);
  const overUser = [...perUser.values()].filter((q) => q > sale.perUserLimit).length;
  const overOrder = leaderboard.filter((item) => item.quantity > sale.perOrderLimit).length;
  checks.push(
    check(
      'no buyer over a limit',
      overUser === 0 && overOrder === 0,
      `${overUser} buyers over perUserLimit ${sale.perUserLimit}, ${overOrder} orders over perOrderLimit ${sale.perOrderLimit}`,
    ),
  );

  const ourUnits = records.reduce(
    (sum, r) => sum + (r.purchase?.round === round ? r.purchase.quantity : 0),
    0,
  );
  const ceiling = sale.round === round ? sale.sold : sale.units;
  checks.push(
    check(
      'this run was sold no more than the round sold',
      ourUnits <= ceiling,
      `${ourUnits} units bought by this run, ${ceiling} ${sale.round === round ? 'sold' : 'in the round'}`,
    ),
  );

  const byPosition = new Map(leaderboard.map((item) => [item.position, item]));
  const ours = records.filter((r) => r.purchase && r.purchase.round === round);
  const missing = ours.filter((r) => {
    const item = byPosition.get(r.purchase!.position);
    return !item || item.user.id !== r.buyerId || item.quantity !== r.purchase!.quantity;
  });
  const ourPositions = new Set(ours.map((r) => r.purchase!.position));
  checks.push(
    check(
      'every purchase of this run is on the leaderboard as answered',
      missing.length === 0 && ourPositions.size === ours.length,
      `${ours.length - missing.length} of ${ours.length} found${ourPositions.size === ours.length ? '' : '; positions repeated'}`,
    ),
  );
  return checks;
}
