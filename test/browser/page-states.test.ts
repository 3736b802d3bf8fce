import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { TEST_PASSWORD, type TestApp, type TestUser } from '@flash-sale/harness/app';
import { pageSuite } from './page-helpers';

/** What the page showed at each change of the connection pill (recorded in the page: a reconnect is quick). */
interface Seen {
  pill: string;
  status: string;
  stale: string | undefined;
}

describe('demo page states in a real browser', function () {
  this.timeout(60_000);
  let app: TestApp;
  let page: Page;
  let admin: TestUser;
  pageSuite((suite) => ({ app, admin, page } = suite));

  async function openSale(saleId: string) {
    await page.goto(`${app.baseUrl}/?sale=${saleId}`);
    await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 5000 });
    await page.locator('#product').filter({ hasNotText: '—' }).waitFor({ timeout: 5000 });
  }

  async function logIn(user: TestUser) {
    await page.fill('#email', user.email);
    await page.fill('#password', TEST_PASSWORD);
    await page.click('#auth-submit');
    await page.locator('#user-name', { hasText: user.name }).waitFor({ timeout: 5000 });
  }

  const message = async () => (await page.textContent('#message')) ?? '';

  it('declares an icon, so no page load asks for a missing favicon', async () => {
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const sale = await app.createSale(admin);
    await openSale(sale.id);
    const href = await page.getAttribute('link[rel~="icon"]', 'href');
    expect(href).to.match(/^data:image\/svg\+xml,/);
    expect(failed).to.deep.equal([]);
  });

  it('shows the promotion as its name and description, with one colon at most', async () => {
    const sale = await app.createSale(admin, {
      promoCondition: { name: 'Flash price', description: 'Demo sale: at most 2 per buyer.' },
    });
    await openSale(sale.id);
    expect(await page.textContent('#promo')).to.equal('Flash price — Demo sale: at most 2 per buyer.');
  });

  it('says the page is connected, not "Live", while the sale only starts soon', async () => {
    const startsAt = new Date(app.clock.now().getTime() + 90_000).toISOString();
    const sale = await app.createSale(admin, { startsAt });
    await openSale(sale.id);
    expect(await page.textContent('#status')).to.equal('Starts soon');
    expect(await page.textContent('#connection')).to.equal('Connected');
  });

  it('disables the quantity with the button once sold out', async () => {
    const sale = await app.createSale(admin, { units: 2, perOrderLimit: 2, perUserLimit: 2 });
    await openSale(sale.id);
    expect(await page.isEnabled('#quantity')).to.equal(true);
    const [buyer] = await app.createUsers(1);
    expect((await app.buy(buyer, sale.id, { quantity: 2 })).status).to.equal(201);
    await page.locator('#status', { hasText: 'Sold out' }).waitFor({ timeout: 3000 });
    expect(await page.isDisabled('#buy')).to.equal(true);
    expect(await page.isDisabled('#quantity')).to.equal(true);
  });

  it('marks the sale stale while reconnecting, and live again after', async () => {
    const sale = await app.createSale(admin, { units: 10 });
    await openSale(sale.id);
    await page.locator('#status', { hasText: 'Live' }).waitFor();
    await page.evaluate(() => {
      const pill = document.getElementById('connection')!;
      const seen: Seen[] = [];
      (window as unknown as { seen: Seen[] }).seen = seen;
      new MutationObserver(() =>
        seen.push({
          pill: pill.textContent ?? '',
          status: document.getElementById('status')!.textContent ?? '',
          stale: document.getElementById('sale')!.dataset.stale,
        }),
      ).observe(pill, { childList: true });
    });
    app.app.io.disconnectSockets(true);
    await page.waitForFunction(
      () => (window as unknown as { seen: Seen[] }).seen.some((s) => s.pill === 'Connected'),
      undefined,
      { timeout: 8000 },
    );
    const seen = (await page.evaluate(() => (window as unknown as { seen: Seen[] }).seen)) as Seen[];
    expect(seen[0]).to.deep.equal({ pill: 'Reconnecting…', status: 'Reconnecting…', stale: 'true' });
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 3000 });
    expect(await page.getAttribute('#sale', 'data-stale')).to.equal(null);
  });

  it('keeps counting down in the "opens in" message', async () => {
    const startsAt = new Date(app.clock.now().getTime() + 90_000).toISOString();
    const sale = await app.createSale(admin, { startsAt });
    const buyer = await app.createUser({ name: 'Early Bird' });
    await openSale(sale.id);
    await logIn(buyer);
    await page.click('#buy');
    await page.locator('#message', { hasText: 'opens in' }).waitFor({ timeout: 5000 });
    const first = await message();
    expect(first).to.match(/opens in 01:[23]\d/);
    await page.waitForFunction(
      (text) => {
        const now = document.getElementById('message')?.textContent ?? '';
        return now !== text && now.includes('opens in');
      },
      first,
      { timeout: 3000 },
    );
  });

  it('clears a refusal of the last round when a new round arrives', async () => {
    const sale = await app.createSale(admin, { units: 5 });
    const buyer = await app.createUser({ name: 'Round Tripper' });
    await openSale(sale.id);
    await logIn(buyer);
    await page.click('#buy');
    await page.locator('#message', { hasText: 'You got it' }).waitFor({ timeout: 5000 });
    await page.click('#buy');
    await page.locator('#message', { hasText: 'most this round allows' }).waitFor({ timeout: 5000 });
    const round = await app.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: app.clock.now().toISOString(), force: true },
    });
    expect(round.status).to.equal(201);
    await page.locator('#round', { hasText: 'Round 2' }).waitFor({ timeout: 3000 });
    expect(await message()).to.equal('');
  });

  it('says how many more a buyer may take when asking for more than the limit leaves', async () => {
    const sale = await app.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 2 });
    const buyer = await app.createUser({ name: 'Half Way' });
    expect((await app.buy(buyer, sale.id, { quantity: 1 })).status).to.equal(201);
    await openSale(sale.id);
    await logIn(buyer);
    await page.fill('#quantity', '2');
    await page.click('#buy');
    await page.locator('#message', { hasText: 'can buy' }).waitFor({ timeout: 5000 });
    expect(await message()).to.match(/you can buy 1 more/i);
  });
});
