// npm run screenshots: takes the README's pictures into docs/screenshots/ (countdown, a sale in progress with
// the crowd, the operator console, a sold-out round with the next round's countdown and the live leaderboard).
// Runs the app in-process on the embedded database with the demo sale, a simulated crowd, and Chromium through
// playwright-core (@flash-sale/harness/chromium picks which one).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '@flash-sale/harness/chromium';
import { readCommandLine, ApiClient, registerBuyers, runSimulation, sleep } from '@flash-sale/crowd';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openConnection } from '../server/db/connect';
import { DEMO_SALE_ID, seedDemo } from '../server/demo';
import { start as startEmbedded } from '@flash-sale/embedded-mongo';
import { createLogger, routeCronLogs } from '../server/logger';
import { ensureAdmin } from '../server/users/admin';

const OUT = path.resolve(__dirname, '../docs/screenshots');
const ADMIN = { email: 'admin@demo.local', password: 'screenshots-only' };
const BUYERS = 300;

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

readCommandLine({
  name: 'screenshots',
  summary:
    "Takes the README's four screenshots into docs/screenshots/ (the app in-process, a crowd, Chromium).",
  options: {},
});

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const logger = createLogger({ level: 'warn', json: false });
  routeCronLogs(logger);
  const db = await startEmbedded({});
  const connection = await openConnection(db.uri, 'screenshots');
  const config = loadConfig({ NODE_ENV: 'development', AUTH_RATE_LIMIT: '100000', LOG_LEVEL: 'warn' });
  const app = await createApp({ config, connection, logger });
  await ensureAdmin(connection, ADMIN, logger);
  // Registering the crowd takes a while (bcrypt): the start leaves room for it and for the countdown picture.
  await seedDemo({
    connection,
    clock: { now: () => new Date() },
    logger,
    config: { ...config, demoStartDelaySeconds: 35 },
    embedded: true,
  });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const newPage = async (session?: object): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 430, height: 932 }, deviceScaleFactor: 2 });
      // A buyer of the crowd, signed in as the page keeps a session (sessionStorage), to show their own row.
      if (session)
        await page.addInitScript((value) => {
          sessionStorage.setItem('flash-sale.session', value);
        }, JSON.stringify(session));
      await page.goto(`${url}/?sale=${DEMO_SALE_ID}`);
      await page.locator('#connection', { hasText: 'Connected' }).waitFor({ timeout: 10_000 });
      return page;
    };
    const visitor = await newPage();
    await visitor.locator('#status', { hasText: 'Starts soon' }).waitFor();
    await visitor.screenshot({ path: path.join(OUT, 'countdown.png') });
    console.log('countdown.png');

    const operator = await newPage();
    await operator.fill('#email', ADMIN.email);
    await operator.fill('#password', ADMIN.password);
    await operator.click('#auth-submit');
    await operator.locator('#console h2').waitFor({ timeout: 10_000 });

    const buyers = await registerBuyers({ client: new ApiClient(url), count: BUYERS, concurrency: 8 });
    const crowd = runSimulation({
      url,
      saleId: DEMO_SALE_ID,
      buyers: BUYERS,
      registered: buyers,
      spreadMs: 20_000,
    });
    const remaining = async (page: Page) => Number(await page.textContent('#remaining'));
    await waitFor(async () => (await remaining(visitor)) <= 120, 60_000, 'the crowd to buy 80 units');
    // The board is live from sale:purchases: ten rows at once, no refresh to wait for.
    await visitor.locator('#leaderboard li').nth(9).waitFor({ timeout: 5000 });
    await visitor.screenshot({ path: path.join(OUT, 'sale-in-progress.png'), fullPage: true });
    console.log('sale-in-progress.png');
    await waitFor(async () => (await remaining(operator)) <= 80, 60_000, 'the crowd to buy 120 units');
    await operator.locator('#console').screenshot({ path: path.join(OUT, 'operator-console.png') });
    console.log('operator-console.png');
    const result = await crowd;
    console.log(`crowd: ${result.ok ? 'PASS' : 'FAIL'}, ${result.sale?.sold} sold`);

    // Round 1 sold out: the next round's countdown, and the board as one of its first buyers sees it.
    await visitor.locator('#status', { hasText: 'Sold out' }).waitFor({ timeout: 30_000 });
    const board = await (await fetch(`${url}/api/sales/${DEMO_SALE_ID}/leaderboard?limit=10`)).json();
    const third = board.items[2];
    const buyer = buyers.find((b) => b.id === third?.user.id);
    if (!buyer) throw new Error('no buyer at position 3');
    const own = await newPage({ token: buyer.token, user: { id: buyer.id, name: buyer.name, role: 'user' } });
    await own.locator('#countdown-label', { hasText: 'next round in' }).waitFor({ timeout: 10_000 });
    await own.locator('#leaderboard li[data-mine]').waitFor({ timeout: 10_000 });
    await own.screenshot({ path: path.join(OUT, 'sold-out-next-round.png'), fullPage: true });
    console.log('sold-out-next-round.png');
  } finally {
    await browser.close();
    await app.close();
    await connection.close();
    await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
