import type { Logger } from 'winston';
import type { Config } from '../config';
import type { DemoSeed } from './seed';

/** What the start-up banner shows. */
export interface BannerInfo {
  /** The page's address, e.g. http://localhost:3000/. */
  url: string;
  embedded: boolean;
  seed: DemoSeed;
  /** ADMIN_EMAIL when the admin comes from the environment. */
  configuredAdminEmail: string | null;
  now: Date;
}

function inSeconds(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  return seconds > 0 ? `in ${seconds} s` : 'started';
}

/**
 * The few readable lines a person needs after `npm start`: where the page is, how to log in as admin, which demo
 * sale runs and when it starts, and what the embedded database means. A generated password appears only in the
 * banner of the instance that created it.
 */
export function startupBanner(info: BannerInfo): string[] {
  const lines = [`Flash sale is ready: open ${info.url}`];
  const admin = info.seed.admin;
  if (info.configuredAdminEmail) lines.push(`Admin login: ${info.configuredAdminEmail} (ADMIN_EMAIL)`);
  else if (admin?.password)
    lines.push(`Admin login: ${admin.email} / ${admin.password} (generated, shown only this once)`);
  else if (admin) lines.push(`Admin login: ${admin.email} (password shown when it was created)`);
  const sale = info.seed.sale;
  if (sale) {
    const restarts = sale.restartSchedule ? `; a new round on "${sale.restartSchedule}" (UTC)` : '';
    lines.push(
      `Demo sale ${sale.id} starts at ${sale.startsAt.toISOString()} (${inSeconds(sale.startsAt, info.now)})${restarts}`,
    );
  }
  if (info.embedded)
    lines.push(
      'Database: EMBEDDED and IN MEMORY: everything is lost on exit. NOT FOR PRODUCTION (set MONGODB_URI).',
    );
  return lines;
}

/** What `logStartupBanner` needs; the rest comes from the configuration. */
export interface BannerLogInfo {
  port: number;
  embedded: boolean;
  seed: DemoSeed;
  config: Pick<Config, 'admin'>;
  now: Date;
}

/**
 * Logs the banner once the server listens. With the embedded database it goes out at `warn`, so that a quieter
 * LOG_LEVEL still shows the generated password and the in-memory warning; otherwise at `info`.
 */
export function logStartupBanner(logger: Logger, info: BannerLogInfo): void {
  const lines = startupBanner({
    url: `http://localhost:${info.port}/`,
    embedded: info.embedded,
    seed: info.seed,
    configuredAdminEmail: info.config.admin?.email ?? null,
    now: info.now,
  });
  for (const line of lines) logger.log(info.embedded ? 'warn' : 'info', line);
}
