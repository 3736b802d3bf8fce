import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { TestApp, TEST_PASSWORD, type TestUser } from '@flash-sale/harness/app';
import { pageSuite } from './page-helpers';

const OUTPUT = path.resolve(__dirname, '../../test-output');

describe('demo page in a real browser', function () {
  this.timeout(60_000);
  let app: TestApp;
  let page: Page;
  let admin: TestUser;
  before(() => {
    fs.mkdirSync(OUTPUT, { recursive: true });
  });
  // Phone width: the page must work there; scale 2 for the screenshots.
  pageSuite((suite) => ({ app, admin, page } = suite), { deviceScaleFactor: 2 });

  async function openSale(saleId: string, units: number) {
    await page.goto(`${app.baseUrl}/?sale=${saleId}`);
    await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 5000 });
    await page.locator('#remaining', { hasText: String(units) }).waitFor({ timeout: 5000 });
  }

  it('shows purchases made over REST on the live counter within 2 seconds', async () => {
    const units = 200;
    const sale = await app.createSale(admin, { units });
    await openSale(sale.id, units);
    expect(await page.textContent('#status')).to.equal('Live');
    expect(await page.textContent('#product')).to.equal('Sneakers');

    const buyers = await app.createUsers(37);
    const answers = await Promise.all(buyers.map((user) => app.buy(user, sale.id)));
    expect(answers.every((a) => a.status === 201)).to.equal(true);
    const started = Date.now();
    await page.locator('#remaining', { hasText: String(units - 37) }).waitFor({ timeout: 2000 });
    expect(Date.now() - started).to.be.below(2000);
    expect(await page.getAttribute('#stock-bar', 'aria-valuenow')).to.equal(String(units - 37));
    await page.locator('#leaderboard li').first().waitFor({ timeout: 3000 });
    await page.screenshot({ path: path.join(OUTPUT, 'demo-page.png'), fullPage: true });
  });

  it('counts down to a scheduled sale on the server clock', async () => {
    const startsAt = new Date(app.clock.now().getTime() + 90_000);
    const sale = await app.createSale(admin, { units: 5, startsAt: startsAt.toISOString() });
    await openSale(sale.id, 5);
    expect(await page.textContent('#status')).to.equal('Starts soon');
    // The test clock is years away from the browser's: only a server-corrected countdown reads about 1:30.
    const countdown = (await page.textContent('#countdown')) ?? '';
    expect(countdown).to.match(/^01:(2\d|30)$/);
  });

  it('lets a visitor log in inline, buy, and explains a refusal', async () => {
    const sale = await app.createSale(admin, { units: 1 });
    const buyer = await app.createUser({ name: 'Ada' });
    const rival = await app.createUser();
    await openSale(sale.id, 1);
    await page.click('#buy');
    await page.locator('#message', { hasText: 'Log in' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('email');
    await page.fill('#email', buyer.email);
    await page.fill('#password', TEST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#message', { hasText: 'You got it' }).waitFor({ timeout: 5000 });
    await page.locator('#remaining', { hasText: '0' }).waitFor({ timeout: 2000 });
    expect(await page.textContent('#status')).to.equal('Sold out');
    expect(await page.isDisabled('#buy')).to.equal(true);
    await page.locator('#leaderboard li', { hasText: 'Ada' }).waitFor({ timeout: 3000 });
    expect((await app.buy(rival, sale.id)).body.error.code).to.equal('SOLD_OUT');
  });

  it('shows when it is reconnecting and re-subscribes after the reconnect', async () => {
    const sale = await app.createSale(admin, { units: 10 });
    await openSale(sale.id, 10);
    // The reconnect can be quicker than any polling: record every state the indicator goes through.
    await page.evaluate(() => {
      const el = document.getElementById('connection')!;
      const seen: string[] = [];
      (window as unknown as { connectionStates: string[] }).connectionStates = seen;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true });
    });
    app.app.io.disconnectSockets(true);
    await page.waitForFunction(
      () =>
        (window as unknown as { connectionStates: string[] }).connectionStates
          .join('|')
          .includes('Reconnecting…|Connected'),
      undefined,
      { timeout: 8000 },
    );
    const [buyer] = await app.createUsers(1);
    expect((await app.buy(buyer, sale.id)).status).to.equal(201);
    await page.locator('#remaining', { hasText: '9' }).waitFor({ timeout: 2000 });
  });
});
