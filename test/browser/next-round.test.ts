import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { run as openScheduledRounds } from '../../server/jobs/sale-restart.job';
import type { TestApp, TestUser } from '@flash-sale/harness/app';
import { openSale, pageSuite } from './page-helpers';

describe('demo page: the next round, in a real browser', function () {
  this.timeout(60_000);
  let app: TestApp;
  let page: Page;
  let admin: TestUser;
  pageSuite((suite) => ({ app, admin, page } = suite));

  const text = async (selector: string) => (await page.textContent(selector)) ?? '';

  async function sellOut(saleId: string, units: number) {
    const buyers = await app.createUsers(units);
    for (const buyer of buyers) expect((await app.buy(buyer, saleId)).status).to.equal(201);
  }

  it('counts down to the next round after a sell-out, then shows the new round live when it opens', async () => {
    app.clock.set('2030-01-01T12:00:30.000Z');
    const sale = await app.createSale(admin, { units: 2, restartSchedule: '*/5 * * * *' });
    expect(sale.nextRoundAt).to.equal('2030-01-01T12:05:00.000Z');
    await sellOut(sale.id, 2);
    // Six seconds before the firing on the server's clock, which the page follows (not its own).
    app.clock.set('2030-01-01T12:04:54.000Z');
    await openSale(page, app.baseUrl, sale.id);
    await page.locator('#status', { hasText: 'Sold out' }).waitFor({ timeout: 5000 });
    expect(await text('#countdown-label')).to.equal('Round 1 is over · next round in');
    expect(await text('#countdown')).to.match(/^00:0[56]$/);
    expect(await text('#next-round')).to.match(/^Round 2 starts at .+\.$/);

    // Every value the countdown shows on its way to zero, recorded in the page.
    await page.evaluate(() => {
      const el = document.getElementById('countdown')!;
      const seen: string[] = [el.textContent ?? ''];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        if (seen.at(-1) !== el.textContent) seen.push(el.textContent ?? '');
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.locator('#countdown', { hasText: 'Starting…' }).waitFor({ timeout: 10_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.slice(-4)).to.deep.equal(['00:03', '00:02', '00:01', 'Starting…']);
    expect(await text('#status')).to.equal('Sold out');

    // The firing: the server's job opens round 2, and the page learns it from the socket alone.
    app.clock.set('2030-01-01T12:05:00.300Z');
    expect(await openScheduledRounds(app.deps)).to.equal(1);
    await page.locator('#round', { hasText: 'Round 2' }).waitFor({ timeout: 3000 });
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 3000 });
    expect(await text('#remaining')).to.equal('2');
    expect(await text('#countdown-label')).to.equal('On now');
    expect(await text('#countdown')).to.equal('Live');
    expect(await page.isEnabled('#buy')).to.equal(true);
    // Round 2's own next round (12:10) comes from the sale read again: about five minutes.
    await page.locator('#next-round', { hasText: /^Next round in 0[45]:\d\d$/ }).waitFor({ timeout: 3000 });
    expect(await text('#leaderboard-title')).to.equal('First buyers · round 2');
    expect(await page.isVisible('#leaderboard-empty')).to.equal(true);
  });

  it('says when the next round replaces a live one, and keeps ticking', async () => {
    app.clock.set('2030-01-02T12:00:30.000Z');
    const sale = await app.createSale(admin, { units: 5, restartSchedule: '*/5 * * * *' });
    await openSale(page, app.baseUrl, sale.id);
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    const first = await text('#next-round');
    expect(first).to.match(/^Next round in 04:(2\d|30)$/);
    await page.waitForFunction(
      (before) => {
        const now = document.getElementById('next-round')?.textContent ?? '';
        return now !== before && /^Next round in 04:[0-2]\d$/.test(now);
      },
      first,
      { timeout: 3000 },
    );
  });

  it('says no next round is scheduled when the sale has no restart schedule', async () => {
    const sale = await app.createSale(admin, { units: 1 });
    await openSale(page, app.baseUrl, sale.id);
    await page.locator('#next-round', { hasText: 'No next round is scheduled.' }).waitFor({ timeout: 5000 });
    await sellOut(sale.id, 1);
    await page.locator('#status', { hasText: 'Sold out' }).waitFor({ timeout: 3000 });
    expect(await text('#countdown-label')).to.equal('Round 1 is over');
    expect(await text('#countdown')).to.equal('Sold out');
    expect(await text('#next-round')).to.equal('No next round is scheduled.');
  });

  it('shows nothing of a next round while the round has not started', async () => {
    const startsAt = new Date(app.clock.now().getTime() + 90_000).toISOString();
    const sale = await app.createSale(admin, { startsAt, restartSchedule: '*/5 * * * *' });
    await openSale(page, app.baseUrl, sale.id);
    await page.locator('#status', { hasText: 'Starts soon' }).waitFor({ timeout: 5000 });
    expect(await text('#countdown-label')).to.equal('Starts in');
    expect(await page.isHidden('#next-round')).to.equal(true);
  });
});
