import type { TestApp } from '@flash-sale/harness/app';

/** One leaderboard row, as the API answers it. */
export interface BoardItem {
  position: number;
  user: { id: string; name: string };
  quantity: number;
  purchasedAt: string;
}

/** Every leaderboard row of a round, through the public API, page by page (bounded). */
export async function readBoard(t: TestApp, saleId: string, round: number): Promise<BoardItem[]> {
  const items: BoardItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const query: string = `round=${round}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await t.request('GET', `/api/sales/${saleId}/leaderboard?${query}`);
    if (answer.status !== 200) throw new Error(`leaderboard: ${answer.status} ${answer.text}`);
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('leaderboard: too many pages');
}

/** Pairs of neighbours whose time steps back along the positions (empty when the chronology holds). */
export function timeStepsBack(items: BoardItem[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < items.length; i += 1) {
    const before = Date.parse(items[i - 1].purchasedAt);
    const after = Date.parse(items[i].purchasedAt);
    if (after < before)
      problems.push(`#${items[i].position} at ${items[i].purchasedAt} < #${items[i - 1].position}`);
  }
  return problems;
}
