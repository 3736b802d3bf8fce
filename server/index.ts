import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/connect';
import { createLogger, routeCronLogs } from './logger';
import { logStartupBanner, seedDemo } from './demo';
import { ensureAdmin } from './users/admin';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, json: config.nodeEnv === 'production' });
  routeCronLogs(logger);
  const crash = (error: unknown) => {
    logger.error('unexpected error', { stack: error instanceof Error ? error.stack : String(error) });
    process.exit(1);
  };
  process.on('unhandledRejection', crash).on('uncaughtException', crash);
  if (config.jwt.generated)
    logger.warn('JWT_SECRET is unset: using a random key; tokens die with this process');
  const db = await connectDatabase(config, logger);
  const app = await createApp({ config, connection: db.connection, logger });
  if (config.admin) await ensureAdmin(db.connection, config.admin, logger);
  const seed = await seedDemo({
    connection: db.connection,
    clock: systemClock,
    logger,
    config,
    embedded: db.embedded,
  });
  await new Promise<void>((resolve) => app.http.listen(config.port, resolve));
  const port = (app.http.address() as { port: number }).port;
  logger.info('listening', { port });
  logStartupBanner(logger, { port, embedded: db.embedded, seed, config, now: systemClock.now() });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    // Jobs, Socket.IO, HTTP, live stock, then the database (and the embedded server); each step settles.
    app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0), crash);
  };
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // A bad environment is one clear line; anything else keeps its stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
