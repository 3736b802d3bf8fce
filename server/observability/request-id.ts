import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'winston';
import { routes } from '../routes';
import { followMatchedRoute, routeLabelOf, UNMATCHED_ROUTE } from './route-label';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Set by `requestId`: the id of this request, echoed in `X-Request-Id`. */
    requestId?: string;
    /** Set by the error handler: the contract code of an error answer (labels metrics, marks log lines). */
    errorCode?: string;
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Ids from clients or proxies: bounded, and a charset that cannot break a log line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Probes and scrapes would drown the access log at info; they are logged at debug. */
const QUIET_ROUTES = new Set<string>([routes.health.path, routes.ready.path, routes.metrics.path]);

/** True when `value` may be used as a request id as given. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

/**
 * Takes the request id from `X-Request-Id` when it is safe (at most 128 characters of `A-Z a-z 0-9 . _ : @ / + = -`),
 * otherwise makes one (a random UUID); sets it on `res.locals.requestId` and on the response header.
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = isSafeRequestId(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}

/** The verified caller's id, when `authenticate` ran for this request. */
function userIdOf(req: Request): string | undefined {
  const identity = (req as { identity?: { id?: unknown } }).identity;
  return typeof identity?.id === 'string' ? identity.id : undefined;
}

/** The structured fields of one access-log line; only these, never bodies, headers, tokens or query strings. */
export interface RequestLogFields {
  requestId: string | undefined;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  userId?: string;
  errorCode?: string;
  /** The client closed the connection before the answer was complete. */
  aborted?: true;
  /** The URL path (no query string) of a 404 that matched no route, bounded: what was asked for. */
  path?: string;
}

/** A 404's path is attacker-chosen: bounded, so a log line stays a line. */
const MAX_LOGGED_PATH = 200;

function pathOf(req: Request): string {
  const path = req.originalUrl.split('?', 1)[0];
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

function fieldsOf(req: Request, res: Response, startedAt: bigint): RequestLogFields {
  const fields: RequestLogFields = {
    requestId: res.locals.requestId,
    method: req.method,
    route: routeLabelOf(req),
    status: res.statusCode,
    durationMs: Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100,
  };
  const userId = userIdOf(req);
  if (userId) fields.userId = userId;
  if (res.locals.errorCode) fields.errorCode = res.locals.errorCode;
  if (!res.writableFinished) fields.aborted = true;
  if (fields.route === UNMATCHED_ROUTE && fields.status === 404) fields.path = pathOf(req);
  return fields;
}

/**
 * Info for API calls and refusals; debug for probes and scrapes, and for files the demo page loads (they match
 * no route and succeed): a page load would otherwise be a dozen lines that say nothing.
 */
function levelOf(fields: RequestLogFields): 'info' | 'debug' {
  if (QUIET_ROUTES.has(fields.route)) return 'debug';
  if (fields.route === UNMATCHED_ROUTE && fields.status < 400) return 'debug';
  return 'info';
}

/**
 * Logs one structured line per request when its response is done (or abandoned): method, route pattern (not
 * the URL, so no ids or query secrets), status, duration, request id and the verified user id when known; a 404
 * of an unknown URL carries its path (never the query string). Static files are logged at debug.
 * Mount it after `requestId()`.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    followMatchedRoute(req);
    // 'close' comes after 'finish' and also when the client goes away first: one listener sees both.
    res.once('close', () => {
      // A line costs about 20 µs in winston: skip all the work below the info level (debug implies info).
      if (!logger.isLevelEnabled('info')) return;
      const fields = fieldsOf(req, res, startedAt);
      const level = levelOf(fields);
      if (logger.isLevelEnabled(level)) logger.log(level, 'request', fields);
    });
    next();
  };
}
