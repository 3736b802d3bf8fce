import type { RequestHandler } from 'express';
import type { AccountStates } from '../auth/account-states';
import type { Identity, TokenService } from '../auth/tokens';
import { AppError } from '../errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate` from the verified token and the account's current role. */
    identity?: Identity;
  }
}

const BEARER = /^Bearer +(\S+)$/i;

function gone(): AppError {
  return new AppError('UNAUTHENTICATED', { message: 'The account of this token no longer exists' });
}

/**
 * Requires `Authorization: Bearer <token>` for an account that still exists and sets `req.identity` with the
 * account's current role (not the role the token was issued with); anything else is 401 UNAUTHENTICATED.
 */
export function authenticate(tokens: TokenService, accounts: AccountStates): RequestHandler {
  return (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw new AppError('UNAUTHENTICATED');
    const claimed = tokens.verify(match[1]);
    const role = accounts.roleOf(claimed.id);
    if (!(role instanceof Promise)) {
      if (!role) throw gone();
      req.identity = { ...claimed, role };
      next();
      return;
    }
    return role.then((current) => {
      if (!current) throw gone();
      req.identity = { ...claimed, role: current };
      next();
    });
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
