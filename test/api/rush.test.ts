import { RACE_WINDOW_MS } from '../../server/ledger';
import { expect } from 'chai';
import { TestApp, type Answer, type TestUser } from '@flash-sale/harness/app';

const REFUSALS = new Set(['SOLD_OUT', 'INSUFFICIENT_STOCK', 'USER_LIMIT_REACHED', 'ORDER_LIMIT_EXCEEDED']);

/** Every leaderboard item of a round, following cursors (bounded). */
async function leaderboard(t: TestApp, saleId: string, round: number) {
  const items: { position: number; user: { id: string; name: string }; quantity: number }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const query: string = `round=${round}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: Answer = await t.request('GET', `/api/sales/${saleId}/leaderboard?${query}`);
    expect(res.status).to.equal(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('too many pages');
}

/** Fires `count` purchases from `users` at once: user i % n asks for quantity 1 + (i % 4) (4 is over the order limit). */
function rush(t: TestApp, users: TestUser[], saleId: string, count: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      t.buy(users[i % users.length], saleId, { quantity: 1 + (i % 4) }),
    ),
  );
}

/** Checks the invariants of one round after a rush. */
async function checkRound(
  t: TestApp,
  saleId: string,
  round: number,
  answers: Answer[],
  limits: { perUser: number; units: number },
) {
  const wins = answers.filter((a) => a.status === 201 && a.body.purchase.round === round);
  const sale = (await t.request('GET', `/api/sales/${saleId}`)).body.sale;
  const board = await leaderboard(t, saleId, round);
  // Positions 1..n, no gaps or duplicates, in the order of the answers' positions.
  expect(board.map((item) => item.position)).to.deep.equal(board.map((_, i) => i + 1));
  expect(board).to.have.length(wins.length);
  expect(new Set(wins.map((w) => w.body.purchase.position)).size).to.equal(wins.length);
  const soldOnBoard = board.reduce((sum, item) => sum + item.quantity, 0);
  const perUser = new Map<string, number>();
  for (const item of board) perUser.set(item.user.id, (perUser.get(item.user.id) ?? 0) + item.quantity);
  for (const total of perUser.values()) expect(total).to.be.at.most(limits.perUser);
  return { sale, soldOnBoard, board };
}

describe('the rush', function () {
  this.timeout(120_000);
  let t: TestApp;
  let admin: TestUser;
  let users: TestUser[];
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
    users = await t.createUsers(160);
  });
  after(async () => {
    await t.stop();
  });

  it('sells exactly 200 units to 600 parallel requests from 160 users, within every limit', async () => {
    const sale = await t.createSale(admin, { units: 200, perOrderLimit: 3, perUserLimit: 4 });
    const answers = await rush(t, users, sale.id, 600);

    for (const answer of answers) {
      if (answer.status === 201) continue;
      expect(answer.status, answer.text).to.be.oneOf([400, 409]);
      expect(REFUSALS.has(answer.body.error.code), answer.text).to.equal(true);
    }
    const wins = answers.filter((a) => a.status === 201);
    for (const win of wins) expect(win.body.purchase.quantity).to.be.at.most(3);
    expect(answers.filter((a) => a.status === 400).length).to.equal(150);
    const soldByAnswers = wins.reduce((sum, a) => sum + a.body.purchase.quantity, 0);
    expect(soldByAnswers).to.equal(200);

    const { sale: after, soldOnBoard } = await checkRound(t, sale.id, 1, answers, { perUser: 4, units: 200 });
    expect(after).to.include({ sold: 200, remaining: 0, status: 'sold_out' });
    expect(soldOnBoard).to.equal(200);
    // Each answer's `remaining` is the stock right after that purchase: position order, strictly decreasing.
    const ordered = [...wins].sort((a, b) => a.body.purchase.position - b.body.purchase.position);
    let left = 200;
    for (const win of ordered) {
      left -= win.body.purchase.quantity;
      expect(win.body.remaining).to.equal(left);
    }
  });

  it('opens a new round in the middle of a rush without mixing the rounds', async () => {
    const sale = await t.createSale(admin, { units: 200, perOrderLimit: 3, perUserLimit: 4 });
    const first = rush(t, users, sale.id, 300);
    // Open round 2 while purchases of round 1 are in flight.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const opened = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: t.clock.now().toISOString(), force: true },
    });
    expect(opened.status).to.equal(201);
    const second = await rush(t, users, sale.id, 300);
    const answers = [...(await first), ...second];
    for (const answer of answers) {
      if (answer.status !== 201) expect(REFUSALS.has(answer.body.error.code), answer.text).to.equal(true);
    }
    const round1 = await checkRound(t, sale.id, 1, answers, { perUser: 4, units: 200 });
    const round2 = await checkRound(t, sale.id, 2, answers, { perUser: 4, units: 200 });
    expect(round1.soldOnBoard).to.be.at.most(200);
    expect(round2.sale).to.include({ round: 2 });
    expect(round2.sale.sold).to.equal(round2.soldOnBoard);
    expect(round2.sale.sold + round2.sale.remaining).to.equal(200);

    // And after the rush: a third round starts clean (a later request: opens closer than the race window race).
    t.clock.advance(RACE_WINDOW_MS);
    const third = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: t.clock.now().toISOString(), force: true },
    });
    expect(third.body.sale).to.include({ round: 3, sold: 0, remaining: 200 });
    const buy = await t.buy(users[0], sale.id, { quantity: 3 });
    expect(buy.body.purchase).to.include({ round: 3, position: 1 });
  });
});
