import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '@flash-sale/harness/chromium';
import { TestApp, TEST_PASSWORD, type TestUser } from '@flash-sale/harness/app';
import { WallClock } from '../demo/clock';

const OUTPUT = path.resolve(__dirname, '../../test-output');

describe('operator console in a real browser', function () {
  this.timeout(60_000);
  let app: TestApp;
  let browser: Browser;
  let admin: TestUser;
  let buyer: TestUser;
  const pages: Page[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    // The console aims start times with the browser's clock: the server must run on real time too.
    app = await TestApp.start({ clock: new WallClock() });
    admin = await app.createUser({ role: 'admin', name: 'Operator' });
    buyer = await app.createUser({ name: 'Bea' });
    browser = await launchChromium();
    fs.mkdirSync(OUTPUT, { recursive: true });
  });
  after(async () => {
    for (const page of pages) await page.close();
    await browser?.close();
    await app?.stop();
    expect(pageErrors, 'errors in the pages').to.deep.equal([]);
  });

  async function openPage(query = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 480, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    pages.push(page);
    await page.goto(`${app.baseUrl}/${query}`);
    await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 5000 });
    return page;
  }

  async function logIn(page: Page, user: TestUser) {
    await page.fill('#email', user.email);
    await page.fill('#password', TEST_PASSWORD);
    await page.click('#auth-submit');
    await page.locator('#user-name', { hasText: user.name }).waitFor({ timeout: 5000 });
  }

  const message = (page: Page, form: string) => page.locator(`#${form} .console-msg`);

  it('lets an admin create a sale and open a round; a buyer sees it live, buys, and has no console', async () => {
    const adminPage = await openPage();
    await logIn(adminPage, admin);
    await adminPage.locator('#console h2', { hasText: 'Operator console' }).waitFor({ timeout: 5000 });

    // A refusal is shown with its code: the API is the judge of what is valid.
    await adminPage.fill('#product-form [name=price]', '80.00');
    await adminPage.click('#product-form button[type=submit]');
    await message(adminPage, 'product-form').locator('code', { hasText: 'VALIDATION_ERROR' }).waitFor();

    await adminPage.fill('#product-form [name=name]', 'Console kicks');
    await adminPage.fill('#product-form [name=price]', '80.00');
    await adminPage.click('#product-form button[type=submit]');
    await message(adminPage, 'product-form').filter({ hasText: 'created' }).waitFor();
    expect(await adminPage.inputValue('#sale-form [name=productId]')).to.match(/^[0-9a-f]{24}$/);

    await adminPage.fill('#sale-form [name=price]', '19.99');
    await adminPage.fill('#sale-form [name=units]', '5');
    await adminPage.fill('#sale-form [name=startsIn]', '0');
    await adminPage.click('#sale-form button[type=submit]');
    await message(adminPage, 'sale-form').filter({ hasText: 'Sale created' }).waitFor();
    // The page switches to the new sale, live.
    await adminPage.locator('#product', { hasText: 'Console kicks' }).waitFor();
    await adminPage.locator('#status', { hasText: 'Live' }).waitFor();
    const saleId = new URL(adminPage.url()).searchParams.get('sale') ?? '';
    const { body } = await app.request('GET', `/api/sales/${saleId}`);
    expect(body.sale).to.include({ price: 1999, units: 5, round: 1, status: 'active' });
    expect(body.sale.product.name).to.equal('Console kicks');

    // A live round is not replaced without force.
    await adminPage.click('#round-form button[type=submit]');
    await message(adminPage, 'round-form').locator('code', { hasText: 'ROUND_IN_PROGRESS' }).waitFor();

    const buyerPage = await openPage(`?sale=${saleId}`);
    await buyerPage.locator('#round', { hasText: 'Round 1' }).waitFor();
    await logIn(buyerPage, buyer);
    expect(await buyerPage.isHidden('#console')).to.equal(true);
    expect(await buyerPage.locator('#console *').count()).to.equal(0);
    const loaded = await buyerPage.evaluate(() =>
      performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname),
    );
    expect(loaded.filter((p) => p.startsWith('/console'))).to.deep.equal([]);

    await adminPage.check('#round-form [name=force]');
    await adminPage.click('#round-form button[type=submit]');
    await message(adminPage, 'round-form').filter({ hasText: 'Round 2 opened' }).waitFor();
    // The buyer's page follows without a reload.
    await buyerPage.locator('#round', { hasText: 'Round 2' }).waitFor({ timeout: 3000 });

    await buyerPage.click('#buy');
    await buyerPage.locator('#message', { hasText: 'You got it' }).waitFor({ timeout: 5000 });
    await adminPage.locator('#remaining', { hasText: '4' }).waitFor({ timeout: 3000 });
    await adminPage.locator('[data-figure=sold]', { hasText: '1' }).waitFor({ timeout: 3000 });
    expect(await adminPage.textContent('[data-figure=remaining]')).to.equal('4 / 5');
    expect(await adminPage.textContent('[data-figure=sale]')).to.equal('Console kicks · round 2');
    expect(Number(await adminPage.textContent('[data-figure=rate]'))).to.be.above(0);
    await adminPage.screenshot({ path: path.join(OUTPUT, 'console.png'), fullPage: true });

    // Loading the console by hand gives a buyer nothing: the API refuses.
    // A string, not a function: tsx would wrap a function with helpers the page does not have.
    const refusal = await buyerPage.evaluate(`(async () => {
      const { mountConsole } = await import('/console.js');
      const { api } = await import('/api.js');
      const root = document.createElement('section');
      document.body.append(root);
      const session = JSON.parse(sessionStorage.getItem('flash-sale.session'));
      mountConsole(root, {
        api,
        getToken: () => session.token,
        getUser: () => session.user,
        serverNow: () => Date.now(),
        statusLabel: () => '',
        onSaleCreated: () => undefined,
        onSaleChanged: () => undefined,
        onUnauthenticated: () => undefined,
      });
      const form = root.querySelector('#product-form');
      form.elements.name.value = 'Sneaky';
      form.elements.price.value = '1.00';
      form.requestSubmit();
      const out = form.querySelector('.console-msg');
      for (let i = 0; i < 50 && !out.querySelector('code'); i += 1) await new Promise((r) => setTimeout(r, 100));
      return out.querySelector('code')?.textContent;
    })()`);
    expect(refusal).to.equal('FORBIDDEN');
    const products = await app.request('GET', '/api/products');
    expect(products.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['Console kicks']);
  });

  it('shows every live figure in full on a phone (390 px wide)', async () => {
    const product = await app.request('POST', '/api/products', {
      token: admin.token,
      body: { name: 'Limited edition sneakers, collector box', price: 12_000 },
    });
    const sale = await app.request('POST', '/api/sales', {
      token: admin.token,
      body: {
        productId: product.body.product.id,
        price: 4_900,
        units: 10_000,
        startsAt: new Date().toISOString(),
      },
    });
    const page = await openPage(`?sale=${sale.body.sale.id}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await logIn(page, admin);
    await page.locator('[data-figure=remaining]', { hasText: '10000 / 10000' }).waitFor({ timeout: 5000 });
    const clipped = await page.$$eval('.figures dd', (cells) =>
      cells
        .filter((cell) => cell.scrollWidth > cell.clientWidth || cell.getBoundingClientRect().right > 390)
        .map((cell) => `${cell.dataset.figure}: ${cell.textContent}`),
    );
    expect(clipped).to.deep.equal([]);
  });

  it('removes the console when the admin signs out', async () => {
    const page = await openPage();
    await logIn(page, admin);
    await page.locator('#console h2').waitFor({ timeout: 5000 });
    await page.click('#sign-out');
    await page.locator('#console').waitFor({ state: 'hidden' });
    expect(await page.locator('#console *').count()).to.equal(0);
  });
});
