import type { ErrorRequestHandler, RequestHandler } from 'express';
import Joi from 'joi';
import { Error as MongooseError } from 'mongoose';
import type { Logger } from 'winston';
import { AppError } from '../errors';

/** Names of driver errors that mean "the database cannot be reached right now". */
const UNAVAILABLE_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/**
 * Socket failures of an outgoing connection. The driver (7.8) lets a raw one escape unwrapped when the socket
 * fails while a command waits for 'drain' (`Connection.writeCommand`); the database is the only outgoing
 * connection a request makes, so one of these reaching a handler means the database is unreachable.
 */
const SOCKET_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT']);

/** True when `error` (or its cause) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth += 1) {
    if (UNAVAILABLE_ERRORS.has(e.name)) return true;
    const { code, syscall } = e as NodeJS.ErrnoException;
    if (typeof syscall === 'string' && typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return true;
    // mongoose refuses commands outright while disconnected when bufferCommands is off.
    if (
      e.name === 'MongooseError' &&
      /before initial connection|Connection was force closed|client was closed/i.test(e.message)
    ) {
      return true;
    }
  }
  return false;
}

function fromJoi(error: Joi.ValidationError): AppError {
  return new AppError('VALIDATION_ERROR', {
    details: error.details.map((d) => ({ path: d.path.join('.'), message: d.message, type: d.type })),
  });
}

/** body-parser reports its own failures as http-errors with a `type` ("entity.parse.failed", ...). */
function fromBodyParser(error: Error & { type?: unknown; status?: unknown }): AppError | null {
  if (typeof error.type !== 'string' || typeof error.status !== 'number') return null;
  if (error.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE');
  // A JSON type in a charset or content-encoding the parser does not read.
  if (error.status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (error.status >= 400 && error.status < 500) {
    const message =
      error.type === 'entity.parse.failed' ? 'The body is not valid JSON' : 'The body cannot be read';
    return new AppError('VALIDATION_ERROR', { message });
  }
  return null;
}

/** Maps anything thrown to the contract's error model. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (Joi.isError(error)) return fromJoi(error);
  if (error instanceof MongooseError.CastError) return new AppError('NOT_FOUND');
  // The router could not percent-decode a path parameter ("/api/sales/%"): no id looks like that.
  if (error instanceof URIError && (error as URIError & { status?: unknown }).status === 400) {
    return new AppError('NOT_FOUND');
  }
  if (isDatabaseUnavailable(error)) return new AppError('SERVICE_UNAVAILABLE');
  if (error instanceof Error) {
    const parsed = fromBodyParser(error);
    if (parsed) return parsed;
  }
  return new AppError('INTERNAL_ERROR');
}

/** The one last middleware: every error leaves as `{error: {code, message, details?}}`, without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    // The HTTP metrics read the outcome code from here (refusals by auth, validation and limits count too).
    res.locals.errorCode = appError.code;
    // Refusals (below 500) are already in the access log line, with their code: only failures get a line here.
    if (appError.status >= 500) {
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        code: appError.code,
        requestId: res.locals.requestId,
        stack: error instanceof Error ? error.stack : String(error),
      });
    }
    res.status(appError.status).json(appError.toBody());
  };
}

/** Unknown routes are a 404 NOT_FOUND in the contract's shape. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND', { message: 'No such route' }));
};
