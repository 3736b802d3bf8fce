import { AppError, ERROR_STATUS, type ErrorCode } from '../errors';
import type { RouteSpec } from '../http/route';
import { parametersOf, toJsonSchema } from './joi';
import { errorBodySchema, ref } from './schemas';
import type { HeaderObject, OperationObject, ResponseObject, SchemaObject } from './types';

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

/** The codes a route may answer with, from what it is and does. */
function codesOf(spec: RouteSpec): ErrorCode[] {
  const codes: ErrorCode[] = [...(spec.errors ?? [])];
  const request = spec.request ?? {};
  if (request.params) codes.push('NOT_FOUND');
  if (request.query || request.headers) codes.push('VALIDATION_ERROR');
  if (request.body) codes.push('VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  // Any request can carry headers over the server's limit.
  codes.push('HEADERS_TOO_LARGE');
  if (spec.access !== 'public') codes.push('UNAUTHENTICATED');
  if (spec.access === 'admin') codes.push('FORBIDDEN');
  if (spec.database ?? true) codes.push('SERVICE_UNAVAILABLE');
  codes.push('INTERNAL_ERROR');
  return codes;
}

/** The name of a route's request body in `components.schemas`: `createSale` -> `CreateSaleBody`. */
export const bodySchemaName = (spec: RouteSpec): string =>
  `${spec.operationId[0].toUpperCase()}${spec.operationId.slice(1)}Body`;

/** A route's request body as JSON Schema, generated from its joi schema (undefined when it takes none). */
export function bodySchemaOf(spec: RouteSpec): SchemaObject | undefined {
  const body = spec.request?.body;
  if (!body) return undefined;
  const schema = toJsonSchema(body);
  if (schema.additionalProperties === false && !schema.description) {
    schema.description = 'Unknown fields are refused (400 VALIDATION_ERROR).';
  }
  return schema;
}

/** One OpenAPI operation, from a route of the table: parameters and body from its joi schemas. */
export function operation(spec: RouteSpec): OperationObject {
  const { ok } = spec;
  const request = spec.request ?? {};
  const op: OperationObject = {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security: spec.access === 'public' ? [] : [{ bearerAuth: [] }],
    responses: {
      [String(ok.status)]: {
        description: ok.description,
        ...(ok.headers ? { headers: ok.headers } : {}),
        content: { [ok.contentType ?? 'application/json']: { schema: ok.schema } },
      },
      ...errorResponses(codesOf(spec)),
    },
  };
  const parameters = [
    ...(request.params ? parametersOf(request.params, 'path') : []),
    ...(request.query ? parametersOf(request.query, 'query') : []),
    ...(request.headers ? parametersOf(request.headers, 'header') : []),
  ];
  if (parameters.length) op.parameters = parameters;
  if (request.body) {
    op.requestBody = {
      required: !request.bodyOptional,
      content: { 'application/json': { schema: ref(bodySchemaName(spec)) } },
    };
  }
  return op;
}
