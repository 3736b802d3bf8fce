import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

/** A body is coming: chunked, or a Content-Length above zero. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/**
 * Every request that carries a body must declare it `application/json`: otherwise 415 UNSUPPORTED_MEDIA_TYPE
 * before anything runs. Without this, the JSON parser skips a text/plain or form body and the route sees no
 * body at all, so a purchase "with quantity 3" in the wrong type would buy 1 unit.
 */
export const requireJsonBodies: RequestHandler = (req, _res, next) => {
  if (hasBody(req.headers) && !req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  next();
};
