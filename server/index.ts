import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/connect';
import { createLogger } from './logger';
import { seedDemo } from './sales/demo';
import { ensureAdmin, ensureDemoAdmin } from './users/admin';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, json: config.nodeEnv === 'production' });
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
  else if (db.embedded && config.demo) await ensureDemoAdmin(db.connection, logger);
  if (config.demo) await seedDemo(db.connection, systemClock, logger);
  await new Promise<void>((resolve) => app.http.listen(config.port, resolve));
  logger.info('listening', { port: (app.http.address() as { port: number }).port });

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
