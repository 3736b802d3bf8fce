import { createServer, type Server as HttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Connection } from 'mongoose';
import { Server as SocketServer } from 'socket.io';
import type { Logger } from 'winston';
import { authRoutes } from '../../../server/auth/auth.routes';
import { createAuthService } from '../../../server/auth/auth.service';
import { createTokenService } from '../../../server/auth/tokens';
import { systemClock, type Clock } from '../../../server/clock';
import type { Config } from '../../../server/config';
import { authenticate } from '../../../server/http/auth';
import { errorHandler, notFound } from './http/error-handler';
import { authRateLimit, purchaseRateLimit } from '../../../server/http/rate-limits';
import { healthRoutes } from '../../../server/http/health';
import { startJobs, type Jobs } from '../../../server/jobs';
import { LeaderboardService } from '../../../server/leaderboard/leaderboard.service';
import { leaderboardRoutes } from '../../../server/leaderboard/leaderboard.routes';
import { startLiveStock } from './live';
import { productModel } from '../../../server/products/product.model';
import { productRoutes } from '../../../server/products/products.routes';
import { createProductsService } from '../../../server/products/products.service';
import { purchaseModel } from '../../../server/purchases/purchase.model';
import { purchaseRoutes } from '../../../server/purchases/purchases.routes';
import { PurchaseService } from '../../../server/purchases/purchases.service';
import { saleModel } from '../../../server/sales/sale.model';
import { SaleDirectory } from '../../../server/sales/sale-directory';
import { saleRoutes } from '../../../server/sales/sales.routes';
import { createSalesService } from '../../../server/sales/sales.service';
import { userModel } from '../../../server/users/user.model';
import { userRoutes } from '../../../server/users/users.routes';
import {
  createMetrics,
  httpMetricsMiddleware,
  metricsRouter,
  requestId,
  requestLogger,
  socketIoGaugeSource,
  type Metrics,
} from '../../../server/observability';
import { openapiRouter } from '../../../server/openapi';

/** What the app is built from; nothing is read from the environment here. */
export interface AppDeps {
  config: Config;
  /** An open mongoose connection; the caller owns it (and closes it after `close`). */
  connection: Connection;
  logger: Logger;
  clock?: Clock;
  /** Schedule the cron jobs (default true; tests run them by hand). */
  jobs?: boolean;
  /** Metrics registry of this instance (default: a new one). */
  metrics?: Metrics;
}

/** The app: an HTTP server that is not listening yet, its Socket.IO server, and an orderly close. */
export interface App {
  http: HttpServer;
  io: SocketServer;
  /** The Express app (route inventory for tests and tools). */
  express: express.Application;
  metrics: Metrics;
  /** Stops jobs, Socket.IO and HTTP, flushes the outbox, closes live stock. Every step settles. */
  close(): Promise<void>;
}

/** JSON bodies above this are refused with 413. */
const BODY_LIMIT = '16kb';
/** Requests still running this long after close starts are cut. */
const CLOSE_GRACE_MS = 5000;

/** The demo page's folder: next to `server/` when run from source, two levels up when run from `dist/`. */
function clientDemoDir(): string | null {
  const candidates = [
    path.resolve(__dirname, '..', 'client-demo'),
    path.resolve(__dirname, '..', '..', 'client-demo'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * Builds the app on an open connection: indexes, routes, Socket.IO on the same HTTP server, live stock, jobs.
 * It does not listen; `server/index.ts` and the tests do.
 */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config, connection, logger } = deps;
  const clock = deps.clock ?? systemClock;
  // Indexes first: the unique ones carry correctness (emails, positions, idempotency keys).
  await Promise.all(
    [userModel, productModel, saleModel, purchaseModel].map((model) => model(connection).init()),
  );

  const tokens = createTokenService(config.jwt.key, config.jwt.expiresInSeconds);
  const auth = authenticate(tokens);
  const directory = new SaleDirectory(connection);
  const leaderboard = new LeaderboardService(connection, directory, config.jwt.key);
  const onPurchasesWritten = (saleHex: string) => leaderboard.invalidate(saleHex);

  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  // Behind a proxy, req.ip (the auth rate-limit key) is only the client's when this says how many hops to trust.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestId());
  app.use(requestLogger(logger));
  app.use(httpMetricsMiddleware(metrics));
  app.use(helmet());
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(healthRoutes(connection));
  app.use(metricsRouter(metrics));
  app.use(openapiRouter());

  const http = createServer(app);
  // Same-origin policy as REST: no CORS headers, so browsers only connect from pages this server serves.
  const io = new SocketServer(http);
  metrics.observeLive(socketIoGaugeSource(io, (room) => room.startsWith('sale:')));
  const live = await startLiveStock({ io, connection, clock, logger, metrics });
  const purchases = new PurchaseService({
    connection,
    clock,
    logger,
    directory,
    isSoldOut: (saleHex, round) => live.isSoldOut(saleHex, round),
    onPurchasesWritten,
  });

  app.use(
    '/api/auth',
    authRoutes(createAuthService(connection, tokens), tokens, authRateLimit(config.authRateLimit)),
  );
  app.use('/api/products', productRoutes(createProductsService(connection), auth));
  app.use('/api/sales', purchaseRoutes(purchases, auth, purchaseRateLimit(config.purchaseRateLimit)));
  app.use('/api/sales', leaderboardRoutes(leaderboard));
  app.use('/api/sales', saleRoutes(createSalesService(connection, clock, directory), auth, clock));
  app.use('/api/users', userRoutes(purchases, auth));
  app.use('/api', notFound);
  const demoDir = clientDemoDir();
  if (demoDir) app.use(express.static(demoDir, { index: 'index.html' }));
  app.use(notFound);
  app.use(errorHandler(logger));

  const jobs: Jobs | null =
    deps.jobs === false ? null : startJobs({ connection, clock, logger, onPurchasesWritten });

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    await jobs?.stop();
    const httpClosed = new Promise<void>((resolve) => {
      if (!http.listening) return resolve();
      http.close(() => resolve());
    });
    // io.close() also closes the HTTP server; keep-alive sockets go now, running requests get a grace period.
    await new Promise<void>((resolve) => io.close(() => resolve()));
    http.closeIdleConnections();
    const grace = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS).unref();
    await httpClosed;
    clearTimeout(grace);
    const results = await Promise.allSettled([purchases.close(), live.close()]);
    for (const result of results) {
      if (result.status === 'rejected') logger.error('close step failed', { error: String(result.reason) });
    }
  };

  return {
    http,
    io,
    express: app,
    metrics,
    close: () => (closing ??= close()),
  };
}
