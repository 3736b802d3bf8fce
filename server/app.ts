import { createServer, type Server as HttpServer } from 'node:http';
import express from 'express';
import type { Connection } from 'mongoose';
import { Server as SocketServer } from 'socket.io';
import type { Logger } from 'winston';
import { createAccountStates } from './auth/account-states';
import { authRoutes } from './auth/auth.routes';
import { createAuthService } from './auth/auth.service';
import { createTokenService } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { authenticate } from './http/auth';
import { answerClientErrors } from './http/client-errors';
import { errorHandler, notFound } from './http/error-handler';
import { createRateLimits } from './http/rate-limits';
import { healthRoutes } from './http/health';
import { requireJsonBodies } from './http/json-only';
import { securityHeaders } from './http/security-headers';
import { methodNotAllowed } from './http/method-not-allowed';
import { startJobs, type Jobs } from './jobs';
import { ensureLedgerIndexes, reconcileAtStartup } from './ledger';
import { LeaderboardService } from './leaderboard/leaderboard.service';
import { leaderboardRoutes } from './leaderboard/leaderboard.routes';
import { demoPageRouter, limitConnectionsPerIp, startLiveStock } from './live';
import {
  createMetrics,
  httpMetricsMiddleware,
  metricsRouter,
  requestId,
  requestLogger,
  socketIoGaugeSource,
  type Metrics,
} from './observability';
import { openapiRouter } from './openapi';
import { productModel } from './products/product.model';
import { productRoutes } from './products/products.routes';
import { createProductsService } from './products/products.service';
import { purchaseModel } from './purchases/purchase.model';
import { purchaseRoutes } from './purchases/purchases.routes';
import { PurchaseService } from './purchases/purchases.service';
import { SaleDirectory } from './sales/sale-directory';
import { saleRoutes } from './sales/sales.routes';
import { createSalesService } from './sales/sales.service';
import { userModel } from './users/user.model';
import { userRoutes } from './users/users.routes';

/** What the app is built from; nothing is read from the environment here. */
export interface AppDeps {
  config: Config;
  /** An open mongoose connection; the caller owns it (and closes it after `close`). */
  connection: Connection;
  logger: Logger;
  clock?: Clock;
  /** Schedule the cron jobs (default true; tests run them by hand). */
  jobs?: boolean;
  /** Prometheus metrics (default: a fresh registry per app). */
  metrics?: Metrics;
}

/** The app: an HTTP server that is not listening yet, its Socket.IO server, and an orderly close. */
export interface App {
  http: HttpServer;
  io: SocketServer;
  /** The Express application (the OpenAPI test reads its route table). */
  express: express.Application;
  metrics: Metrics;
  /** Resolves once the start-up reconciliation is done (when /readyz starts answering 200). */
  ready: Promise<void>;
  /** Stops jobs, Socket.IO and HTTP, flushes the outbox, closes live stock and the account stream. Every step settles. */
  close(): Promise<void>;
}

/** JSON bodies above this are refused with 413. */
const BODY_LIMIT = '16kb';
/** The largest Socket.IO message a client may send; a larger one closes its connection. */
const SOCKET_MESSAGE_LIMIT_BYTES = 16 * 1024;
/** Requests still running this long after close starts are cut. */
const CLOSE_GRACE_MS = 5000;

/**
 * Builds the app on an open connection: indexes, routes, Socket.IO on the same HTTP server, live stock, jobs.
 * It does not listen; `server/index.ts` and the tests do.
 */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config, connection, logger } = deps;
  const clock = deps.clock ?? systemClock;
  // Indexes first: the unique ones carry correctness (emails, positions, idempotency keys, rate-limit windows).
  const [rateLimits] = await Promise.all([
    createRateLimits(connection, { auth: config.authRateLimit, purchase: config.purchaseRateLimit }, logger),
    ...[userModel, productModel, purchaseModel].map((model) => model(connection).init()),
    ensureLedgerIndexes(connection),
  ]);

  const tokens = createTokenService(config.jwt.key, config.jwt.expiresInSeconds);
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
  app.use(securityHeaders());
  app.use(methodNotAllowed);
  app.use(requireJsonBodies);
  app.use(express.json({ limit: BODY_LIMIT }));
  // Ready only once this instance has reconciled the ledger (a previous process may have died mid-purchase).
  const startup = new AbortController();
  let started = false;
  const reconciled = reconcileAtStartup(
    { connection, clock, logger, onPurchasesWritten },
    startup.signal,
  ).then(
    (restored) => {
      started = true;
      if (restored > 0) logger.warn('start-up reconciliation restored purchases', { purchases: restored });
    },
    (error: unknown) => {
      if (!startup.signal.aborted) logger.error('start-up reconciliation stopped', { error: String(error) });
    },
  );
  app.use(healthRoutes(connection, () => started));
  app.use(metricsRouter(metrics, { token: config.metricsToken ?? undefined }));

  const http = createServer(app);
  answerClientErrors(http);
  // Same-origin policy as REST: no CORS headers, so browsers only connect from pages this server serves.
  // Clients only ever send a sale id: a small message bound instead of Socket.IO's 1 MB default.
  const io = new SocketServer(http, { maxHttpBufferSize: SOCKET_MESSAGE_LIMIT_BYTES });
  limitConnectionsPerIp(io, { max: config.socketConnectionsPerIp, trust: app.get('trust proxy fn') });
  metrics.observeLive(socketIoGaugeSource(io, (room) => room.startsWith('sale:')));
  const live = await startLiveStock({ io, connection, clock, logger, metrics });
  const purchases = new PurchaseService({
    connection,
    clock,
    logger,
    directory,
    isSoldOut: (saleHex, round) => live.isSoldOut(saleHex, round),
    noteSoldOut: (saleHex, round) => live.noteSoldOut(saleHex, round),
    onPurchasesWritten,
  });

  // Kept fresh by a change stream on `users`; closed with the app (see `close`).
  const accounts = createAccountStates(connection, clock, logger);
  const auth = authenticate(tokens, accounts);

  // Each router registers its routes from the route table (server/routes.ts), with their full paths; no two
  // routes share a path, so the order is only speed: the routes a crowd calls (purchases, the leaderboard) come
  // first, so their requests skip matching every other router's routes.
  app.use(purchaseRoutes(purchases, auth, rateLimits));
  app.use(leaderboardRoutes(leaderboard));
  app.use(authRoutes(createAuthService(connection, tokens), auth, rateLimits.auth));
  app.use(productRoutes(createProductsService(connection), auth));
  app.use(saleRoutes(createSalesService(connection, clock, directory), auth, clock));
  app.use(userRoutes(purchases, auth));
  app.use(openapiRouter());
  app.use('/api', notFound);
  app.use(demoPageRouter());
  app.use(notFound);
  app.use(errorHandler(logger));

  const jobs: Jobs | null =
    deps.jobs === false ? null : startJobs({ connection, clock, logger, onPurchasesWritten });

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    startup.abort();
    await reconciled;
    await jobs?.stop();
    // Requests still running after the grace period are cut; idle keep-alive sockets close at once.
    const grace = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS).unref();
    // io.close() disconnects every socket and closes the HTTP server (it resolves once HTTP is closed).
    await new Promise<void>((resolve) => io.close(() => resolve()));
    if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    clearTimeout(grace);
    const results = await Promise.allSettled([purchases.close(), live.close(), accounts.close()]);
    for (const result of results) {
      if (result.status === 'rejected') logger.error('close step failed', { error: String(result.reason) });
    }
  };

  return {
    http,
    io,
    express: app,
    metrics,
    ready: reconciled,
    close: () => (closing ??= close()),
  };
}
