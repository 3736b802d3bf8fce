import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import { allowedMethodsOf } from '../observability';

/**
 * A known path called with a method it does not serve is 405 METHOD_NOT_ALLOWED with an `Allow` header, before
 * anything else runs (authentication, body parsing). Unknown paths go on to the 404; OPTIONS is left to Express,
 * which answers it with `Allow` itself.
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  if (req.method === 'OPTIONS') {
    next();
    return;
  }
  const allowed = allowedMethodsOf(req);
  if (allowed.length === 0 || allowed.includes(req.method)) {
    next();
    return;
  }
  res.setHeader('Allow', allowed.join(', '));
  next(new AppError('METHOD_NOT_ALLOWED'));
};
