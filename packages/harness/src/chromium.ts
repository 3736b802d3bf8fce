import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `CHROMIUM_PATH` overrides it. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumChoice {
  executablePath: string;
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/**
 * Which Chromium to run: `CHROMIUM_PATH` when set (it must exist), else Debian's, else the one shipped inside the
 * `@sparticuz/chromium` package (unpacked to the temp folder on first use), so a machine with Node only can run
 * the browser tests. Throws with every place it looked when none is usable: a browser test never skips silently.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const override = env.CHROMIUM_PATH;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`Chromium not found at CHROMIUM_PATH=${override}`);
    return { executablePath: override, source: 'CHROMIUM_PATH' };
  }
  if (fs.existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system' };
  try {
    const packaged = (await import('@sparticuz/chromium')).default;
    return { executablePath: await packaged.executablePath(), source: '@sparticuz/chromium' };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `No Chromium: none at ${SYSTEM_CHROMIUM} and @sparticuz/chromium failed (${why}); ` +
        'run npm install, or apt-get install chromium, or set CHROMIUM_PATH',
      { cause: error },
    );
  }
}

/**
 * Headless Chromium through playwright-core, with the flags this machine needs: no sandbox (root), and no
 * background networking, component updates or sync, which would only hit a closed network.
 */
export async function launchChromium(): Promise<Browser> {
  const { executablePath } = await findChromium();
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
