import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Connection } from 'mongoose';
import type { RateLimiterMongo } from 'rate-limiter-flexible';
import type { Logger } from 'winston';
import { AppError } from '../errors';
import { identityOf } from './auth';
import { createSharedLimiter, ensureRateLimitIndexes, SharedLimiterStore } from './shared-limiter';

const refuse: RequestHandler = (_req, _res, next) => next(new AppError('RATE_LIMITED'));

/** The limits of the contract, per window. */
export interface RateLimitSettings {
  /** AUTH_RATE_LIMIT: `/api/auth/*` calls per client IP per minute. */
  auth: number;
  /** PURCHASE_RATE_LIMIT: purchase calls per user per second. */
  purchase: number;
}

/** The two HTTP rate limits, counted in the database so that they hold across every instance on it. */
export interface RateLimits {
  /** Per client IP on /api/auth/*. */
  auth: RequestHandler;
  /** Per verified user on purchases; must follow `authenticate`. */
  purchase: RequestHandler;
}

/** express-rate-limit answers (draft-7 headers, Retry-After, the contract's 429) over a shared limiter. */
function middleware(
  limiter: RateLimiterMongo,
  windowMs: number,
  keyGenerator?: (req: Request) => string,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit: limiter.points,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    store: new SharedLimiterStore(limiter, `${limiter.keyPrefix}:`),
    handler: refuse,
  });
}

/**
 * Builds both limits on the app's connection and creates their collection's indexes before any request. The
 * auth key is Express's `req.ip`, so behind a proxy it is only right when `trust proxy` is set (TRUST_PROXY).
 */
export async function createRateLimits(
  connection: Connection,
  settings: RateLimitSettings,
  logger: Logger,
): Promise<RateLimits> {
  const auth = createSharedLimiter(
    connection,
    { name: 'auth', points: settings.auth, durationSeconds: 60 },
    logger,
  );
  const purchase = createSharedLimiter(
    connection,
    { name: 'purchase', points: settings.purchase, durationSeconds: 1 },
    logger,
  );
  // Both share one collection, so one call creates its indexes.
  await ensureRateLimitIndexes(auth);
  return {
    auth: middleware(auth, 60_000),
    purchase: middleware(purchase, 1000, (req) => identityOf(req).id),
  };
}
