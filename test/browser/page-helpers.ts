import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '@flash-sale/harness/chromium';
import { TestApp, TEST_PASSWORD, type TestUser } from '@flash-sale/harness/app';

/** What each test of a page suite gets. */
export interface PageSuite {
  app: TestApp;
  admin: TestUser;
  /** A fresh phone-sized page (390 × 844) for this test. */
  page: Page;
}

/**
 * The hooks of a page suite: one app, an admin and Chromium for the suite; before each test a new page, handed to
 * `use` with the app and the admin; after it, the page is closed and must have thrown no error. `pageOptions`
 * (e.g. a device scale factor for sharper screenshots) go to every page.
 */
export function pageSuite(
  use: (suite: PageSuite) => void,
  pageOptions: { deviceScaleFactor?: number } = {},
): void {
  let app: TestApp;
  let admin: TestUser;
  let browser: Browser;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  before(async () => {
    app = await TestApp.start();
    admin = await app.createUser({ role: 'admin' });
    browser = await launchChromium();
  });
  beforeEach(async () => {
    const opened = await browser.newPage({ viewport: { width: 390, height: 844 }, ...pageOptions });
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    page = opened;
    use({ app, admin, page: opened });
  });
  afterEach(async () => {
    await page?.close();
    expect(pageErrors.splice(0), 'errors in the page').to.deep.equal([]);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });
}

/** One row of the page's leaderboard, as shown. */
export interface BoardRow {
  position: string;
  name: string;
  mine: boolean;
}

/** Opens the demo page on a sale and waits for the socket and the sale to be shown. */
export async function openSale(page: Page, baseUrl: string, saleId: string): Promise<void> {
  await page.goto(`${baseUrl}/?sale=${saleId}`);
  await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 5000 });
  await page.locator('#product').filter({ hasNotText: '—' }).waitFor({ timeout: 5000 });
}

/** Logs in through the page's form. */
export async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.fill('#email', user.email);
  await page.fill('#password', TEST_PASSWORD);
  await page.click('#auth-submit');
  await page.locator('#user-name', { hasText: user.name }).waitFor({ timeout: 5000 });
}

/** The leaderboard's rows, top to bottom. */
export function boardRows(page: Page): Promise<BoardRow[]> {
  return page.$$eval('#leaderboard li', (items) =>
    items.map((li) => ({
      position: li.querySelector('.pos')?.textContent ?? '',
      name: li.querySelector('.who')?.firstChild?.textContent ?? '',
      mine: li.getAttribute('data-mine') === 'true',
    })),
  );
}

/** Waits (bounded) until the leaderboard shows exactly `count` rows. */
export async function waitForRows(page: Page, count: number, timeout = 5000): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard li').length === n, count, {
    timeout,
  });
}
