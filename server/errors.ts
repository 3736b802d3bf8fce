/** The contract's error table: code -> HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  ORDER_LIMIT_EXCEEDED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  SALE_NOT_STARTED: 409,
  SOLD_OUT: 409,
  INSUFFICIENT_STOCK: 409,
  USER_LIMIT_REACHED: 409,
  ROUND_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

/** A code of the contract's error table. */
export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'The request is not valid',
  ORDER_LIMIT_EXCEEDED: 'The quantity is above the per-order limit of this sale',
  UNAUTHENTICATED: 'Authentication is required',
  INVALID_CREDENTIALS: 'Wrong email or password',
  FORBIDDEN: 'This action needs the admin role',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'This method is not served at this path',
  EMAIL_TAKEN: 'This email is already registered',
  SALE_NOT_STARTED: 'The sale has not started yet',
  SOLD_OUT: 'Sold out',
  INSUFFICIENT_STOCK: 'Fewer units are left than asked for',
  USER_LIMIT_REACHED: 'This purchase would exceed the per-user limit of this round',
  ROUND_IN_PROGRESS: 'The current round is still active',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'A request body must be application/json',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  RATE_LIMITED: 'Too many requests',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable',
  INTERNAL_ERROR: 'Internal error',
};

/** The body of every error answer (REST and socket acks). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** The stack depth before the AppError being made, restored right after its `super` call. */
let stackTraceLimit = Error.stackTraceLimit;

/**
 * A refusal (status below 500) is an answer, not a fault: it is never logged with a stack, and capturing one is
 * most of what making an error costs on a hot refusal path (a sold-out rush answers thousands per second). So
 * the stack is left out for refusals; failures (5xx) keep theirs for the log. Called as `super`'s argument,
 * the only place that runs before the Error constructor captures the stack.
 */
function withoutStackIfRefusal(code: ErrorCode, message: string): string {
  stackTraceLimit = Error.stackTraceLimit;
  if (ERROR_STATUS[code] < 500) Error.stackTraceLimit = 0;
  return message;
}

/** The one error class of the app: a stable code of the contract, its status, and optional details. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, options: { message?: string; details?: unknown } = {}) {
    super(withoutStackIfRefusal(code, options.message ?? DEFAULT_MESSAGE[code]));
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
  }

  /** The contract's error body. */
  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}
