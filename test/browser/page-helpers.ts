import type { Page } from 'playwright-core';
import { TEST_PASSWORD, type TestUser } from '@flash-sale/harness/app';

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
