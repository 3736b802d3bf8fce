import type { RequestHandler } from 'express';
import type { Identity, TokenService } from '../auth/tokens';
import { AppError } from '../errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate` from the verified token only. */
    identity?: Identity;
  }
}

const BEARER = /^Bearer +(\S+)$/i;

/** Requires `Authorization: Bearer <token>` and sets `req.identity`; anything else is 401 UNAUTHENTICATED. */
export function authenticate(tokens: TokenService): RequestHandler {
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw new AppError('UNAUTHENTICATED');
    req.identity = tokens.verify(match[1]);
    next();
  };
}

/** Lets only admins through; must follow `authenticate`. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (req.identity?.role !== 'admin') throw new AppError('FORBIDDEN');
  next();
};

/** The verified caller; only valid behind `authenticate`. */
export function identityOf(req: { identity?: Identity }): Identity {
  if (!req.identity) throw new AppError('UNAUTHENTICATED');
  return req.identity;
}
