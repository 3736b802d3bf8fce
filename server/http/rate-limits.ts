import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../errors';
import { identityOf } from './auth';
import { WindowStore } from './window-store';

const refuse: RequestHandler = (_req, _res, next) => next(new AppError('RATE_LIMITED'));

/**
 * Per client IP on /api/auth/*: `limit` calls per minute. The IP is Express's `req.ip`, so behind a proxy it is
 * only right when `trust proxy` is configured (TRUST_PROXY).
 */
export function authRateLimit(limit: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new WindowStore(),
    handler: refuse,
  });
}

/** Per verified user on purchases: `limit` calls per second. Must follow `authenticate`. */
export function purchaseRateLimit(limit: number): RequestHandler {
  return rateLimit({
    windowMs: 1000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => identityOf(req).id,
    store: new WindowStore(),
    handler: refuse,
  });
}
