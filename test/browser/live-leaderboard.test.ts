import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { TestApp, TestUser } from '@flash-sale/harness/app';
import { boardRows, logIn, openSale, pageSuite, waitForRows } from './page-helpers';

describe('demo page: the live leaderboard, in a real browser', function () {
  this.timeout(60_000);
  let app: TestApp;
  let page: Page;
  let admin: TestUser;
  pageSuite((suite) => ({ app, admin, page } = suite));

  /** Buys once for each buyer, one after the other; returns the buyers' names by position. */
  async function buyInTurn(saleId: string, buyers: TestUser[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    for (const buyer of buyers) {
      const answer = await app.buy(buyer, saleId);
      expect(answer.status).to.equal(201);
      names.set(answer.body.purchase.position, buyer.name);
    }
    return names;
  }

  /** The rows a board of these positions shows, in position order. */
  const expectedRows = (names: Map<number, string>, mine: number[] = []) =>
    [...names.entries()]
      .sort(([a], [b]) => a - b)
      .map(([position, name]) => ({ position: `#${position}`, name, mine: mine.includes(position) }));

  /** From now on the page cannot read the leaderboard route: whatever it learns comes from the socket. */
  async function blockLeaderboardRoute(): Promise<string[]> {
    const blocked: string[] = [];
    await page.route('**/leaderboard*', (route) => {
      blocked.push(route.request().url());
      return route.abort();
    });
    return blocked;
  }

  it('shows other buyers from sale:purchases as they buy, in position order, without a reload', async () => {
    const sale = await app.createSale(admin, { units: 50 });
    await openSale(page, app.baseUrl, sale.id);
    await page.locator('#leaderboard-empty', { hasText: 'No purchase yet' }).waitFor({ timeout: 5000 });
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await blockLeaderboardRoute();

    const first = await buyInTurn(sale.id, await app.createUsers(3));
    await waitForRows(page, 3);
    expect(await boardRows(page)).to.deep.equal(expectedRows(first));
    expect(await page.isHidden('#leaderboard-empty')).to.equal(true);

    // A crowd at once: positions are decided by the server, the page still lists them in order.
    const crowd = await app.createUsers(6);
    const answers = await Promise.all(crowd.map((buyer) => app.buy(buyer, sale.id)));
    const all = new Map(first);
    answers.forEach((answer, i) => {
      expect(answer.status).to.equal(201);
      all.set(answer.body.purchase.position, crowd[i].name);
    });
    await waitForRows(page, 9);
    expect(await boardRows(page)).to.deep.equal(expectedRows(all));
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).to.equal(
      true,
    );
  });

  it('shows each buyer once when the route and the live events overlap', async () => {
    const sale = await app.createSale(admin, { units: 50 });
    const before = await buyInTurn(sale.id, await app.createUsers(4));
    await openSale(page, app.baseUrl, sale.id);
    await waitForRows(page, 4);
    const live = await buyInTurn(sale.id, await app.createUsers(3));
    await waitForRows(page, 7);
    // A reconnect subscribes again, and the page reads the route again: every position it already has.
    const reread = page.waitForResponse((response) => response.url().includes('/leaderboard'), {
      timeout: 8000,
    });
    app.app.io.disconnectSockets(true);
    expect((await reread).status()).to.equal(200);
    await page.waitForFunction(
      () => document.getElementById('leaderboard')?.getAttribute('aria-busy') === 'false',
      undefined,
      { timeout: 3000 },
    );
    expect(await boardRows(page)).to.deep.equal(expectedRows(new Map([...before, ...live])));
  });

  it("highlights the signed-in buyer's own rows and says their positions", async () => {
    const sale = await app.createSale(admin, { units: 50, perUserLimit: 2 });
    const me = await app.createUser({ name: 'Me Myself' });
    await openSale(page, app.baseUrl, sale.id);
    await logIn(page, me);
    await page.locator('#leaderboard-empty', { hasText: 'No purchase yet' }).waitFor({ timeout: 5000 });

    await page.click('#buy');
    await page.locator('#message', { hasText: 'You got it! You are #1' }).waitFor({ timeout: 5000 });
    // Never "No purchase yet" beside "You got it! #1": the answer itself puts the buyer on the board.
    expect(await page.isHidden('#leaderboard-empty')).to.equal(true);
    expect(await boardRows(page)).to.deep.equal([{ position: '#1', name: 'Me Myself', mine: true }]);
    expect(await page.textContent('#leaderboard-you')).to.equal('Your position in round 1: #1');

    const others = await buyInTurn(sale.id, await app.createUsers(2));
    await page.click('#buy');
    await page.locator('#message', { hasText: 'You got it! You are #4' }).waitFor({ timeout: 5000 });
    await waitForRows(page, 4);
    const names = new Map([...others, [1, 'Me Myself'] as const, [4, 'Me Myself'] as const]);
    expect(await boardRows(page)).to.deep.equal(expectedRows(names, [1, 4]));
    expect(await page.textContent('#leaderboard-you')).to.equal('Your position in round 1: #1, #4');
    expect(await page.locator('#leaderboard li[aria-current="true"] .you-tag').count()).to.equal(2);

    await page.click('#sign-out');
    await page.locator('#leaderboard-you').waitFor({ state: 'hidden', timeout: 3000 });
    expect((await boardRows(page)).some((row) => row.mine)).to.equal(false);
  });

  it('pages past the top 10 with "More buyers", with the route\'s cursor, then keeps the board live', async () => {
    const sale = await app.createSale(admin, { units: 50 });
    const crowd = await app.createUsers(25);
    const names = await buyInTurn(sale.id, crowd);
    const me = crowd[14];
    expect([...names.entries()].find(([, name]) => name === me.name)?.[0]).to.equal(15);
    const cursorReads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/leaderboard') && request.url().includes('cursor='))
        cursorReads.push(request.url());
    });
    await openSale(page, app.baseUrl, sale.id);
    await logIn(page, me);
    await waitForRows(page, 10);
    const top = expectedRows(names, [15]);
    expect(await boardRows(page)).to.deep.equal(top.slice(0, 10));
    // Below the top 10, the buyer's position is still said.
    await page
      .locator('#leaderboard-you', { hasText: 'Your position in round 1: #15' })
      .waitFor({ timeout: 3000 });

    await page.click('#leaderboard-more');
    await waitForRows(page, 20);
    expect(await boardRows(page)).to.deep.equal(top.slice(0, 20));
    expect(await page.locator('#leaderboard li[data-mine="true"] .pos').textContent()).to.equal('#15');
    expect(cursorReads, 'the next page came from the route with its cursor').to.have.length.above(0);

    await page.click('#leaderboard-more');
    await waitForRows(page, 25);
    expect(await boardRows(page)).to.deep.equal(top);
    await page.locator('#leaderboard-more').waitFor({ state: 'hidden', timeout: 3000 });

    // Room for 30 rows now: later buyers arrive live at the end, in order.
    const later = await buyInTurn(sale.id, await app.createUsers(3));
    await waitForRows(page, 28);
    expect(await boardRows(page)).to.deep.equal(expectedRows(new Map([...names, ...later]), [15]));
  });

  it('resets the board to the new round when a round opens', async () => {
    const sale = await app.createSale(admin, { units: 5 });
    await buyInTurn(sale.id, await app.createUsers(3));
    await openSale(page, app.baseUrl, sale.id);
    await waitForRows(page, 3);
    const round = await app.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: app.clock.now().toISOString(), force: true },
    });
    expect(round.status).to.equal(201);
    await page.locator('#leaderboard-title', { hasText: 'round 2' }).waitFor({ timeout: 3000 });
    await waitForRows(page, 0);
    await page.locator('#leaderboard-empty').waitFor({ state: 'visible', timeout: 3000 });
    const second = await buyInTurn(sale.id, await app.createUsers(2));
    await waitForRows(page, 2);
    expect(await boardRows(page)).to.deep.equal(expectedRows(second));
  });
});
