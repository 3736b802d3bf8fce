import { AppError, ERROR_STATUS, type ErrorCode } from '../errors';
import { errorBodySchema, ref } from './schemas';
import type { HeaderObject, OperationObject, ParameterObject, ResponseObject, SchemaObject } from './types';

/** Who may call an operation. */
export type Access = 'public' | 'user' | 'admin';

/** What an operation of the contract is, in the few words the document is built from. */
export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  parameters?: ParameterObject[];
  /** Name of the request body schema in `components.schemas`. */
  body?: string;
  /** The body may be left out (all its fields have defaults). */
  bodyOptional?: boolean;
  ok: { status: number; description: string; schema: SchemaObject; contentType?: string };
  /** Error codes specific to this operation; the ones implied by access, body and database are added. */
  errors?: ErrorCode[];
  /** The operation reads or writes the database, so it may answer 503 SERVICE_UNAVAILABLE. Default true. */
  database?: boolean;
  /** Extra headers on the success answer. */
  okHeaders?: Record<string, HeaderObject>;
}

const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  RateLimit: {
    description: 'Remaining calls and reset time of the current window (IETF draft-7 RateLimit header).',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': { description: 'The limit and its window (IETF draft-7).', schema: { type: 'string' } },
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict with the state of the sale or account',
  405: 'Method not served at this path (the Allow header lists those that are)',
  413: 'Body too large',
  415: 'The body is not application/json',
  431: 'Request headers too large',
  429: 'Too many requests',
  500: 'Internal error (no internals in the body)',
  503: 'The database cannot be reached',
};

/**
 * The error answers of a list of contract codes, one response per status. Each names its codes twice: in the
 * `x-error-codes` extension (for tools and the registry test) and as the `code` enum of its schema (for clients).
 * Throws on a code that is not in the registry, so a typo cannot slip into the document.
 */
export function errorResponses(codes: Iterable<ErrorCode>): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status: number | undefined = ERROR_STATUS[code];
    if (status === undefined) throw new Error(`OpenAPI: ${String(code)} is not a code of the error registry`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${list.join(', ')}`,
      'x-error-codes': list,
      ...(status === 429 ? { headers: RATE_LIMIT_HEADERS } : {}),
      content: {
        'application/json': { schema: errorBodySchema(list), example: new AppError(list[0]).toBody() },
      },
    };
  }
  return responses;
}

/** The codes an operation may answer with, from what it is and does. */
function codesOf(spec: OperationSpec): ErrorCode[] {
  const codes: ErrorCode[] = [...(spec.errors ?? [])];
  if (spec.body) codes.push('VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  // Any request can carry headers over the server's limit.
  codes.push('HEADERS_TOO_LARGE');
  if (spec.access !== 'public') codes.push('UNAUTHENTICATED');
  if (spec.access === 'admin') codes.push('FORBIDDEN');
  if (spec.database ?? true) codes.push('SERVICE_UNAVAILABLE');
  codes.push('INTERNAL_ERROR');
  return codes;
}

/** Builds one OpenAPI operation from its spec. */
export function operation(spec: OperationSpec): OperationObject {
  const { ok } = spec;
  const op: OperationObject = {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security: spec.access === 'public' ? [] : [{ bearerAuth: [] }],
    responses: {
      [String(ok.status)]: {
        description: ok.description,
        ...(spec.okHeaders ? { headers: spec.okHeaders } : {}),
        content: { [ok.contentType ?? 'application/json']: { schema: ok.schema } },
      },
      ...errorResponses(codesOf(spec)),
    },
  };
  if (spec.parameters?.length) op.parameters = spec.parameters;
  if (spec.body) {
    op.requestBody = {
      required: !spec.bodyOptional,
      content: { 'application/json': { schema: ref(spec.body) } },
    };
  }
  return op;
}

/** The `:id` path parameter of the contract: 24 hex digits; anything else is a 404, never a 500. */
export const idParameter = (what: string): ParameterObject => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `Id of the ${what}; a malformed id is 404 NOT_FOUND`,
  schema: { type: 'string' },
});
