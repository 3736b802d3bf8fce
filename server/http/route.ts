import type { Request, RequestHandler, Response, Router } from 'express';
import type Joi from 'joi';
import { LRUCache } from 'lru-cache';
import { AppError, type ErrorCode } from '../errors';
import type { HeaderObject, SchemaObject } from '../openapi/types';
import { requireAdmin } from './auth';
import { validateBody, validateQuery } from './validate';

/** Who may call a route: anyone, a signed-in user, or an admin. */
export type Access = 'public' | 'user' | 'admin';

export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The inputs of a route, each a joi object: the validators and the OpenAPI document both read these. */
export interface RouteRequest {
  /** Path parameters; a value that fails is 404 NOT_FOUND (a malformed id is simply not found). */
  params?: Joi.ObjectSchema;
  /** Query string (text: numbers and booleans converted); unknown fields are 400. Absent: the query is ignored. */
  query?: Joi.ObjectSchema;
  /** Request headers, by their canonical names (`Idempotency-Key`); other headers are not looked at. */
  headers?: Joi.ObjectSchema;
  /** JSON body (types must already be right); unknown fields are 400. */
  body?: Joi.ObjectSchema;
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
}

/** The success answer of a route, as documented. */
export interface RouteAnswer {
  status: number;
  description: string;
  schema: SchemaObject;
  contentType?: string;
  headers?: Record<string, HeaderObject>;
}

/**
 * One route of the contract: method, path, who may call it, its inputs and its documented answers. Express
 * registers and validates the route from this, and the OpenAPI document is generated from it.
 */
export interface RouteSpec {
  method: RouteMethod;
  /** Full Express path pattern (`/api/sales/:id`), the same string that labels metrics and logs. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  request?: RouteRequest;
  ok: RouteAnswer;
  /** Error codes specific to this route; those implied by access, inputs and the database are added. */
  errors?: ErrorCode[];
  /** The route reads or writes the database, so it may answer 503 SERVICE_UNAVAILABLE. Default true. */
  database?: boolean;
}

/** Keeps the literal types of a spec (its joi schemas' value types reach the handler). */
export const defineRoute = <const S extends RouteSpec>(spec: S): S => spec;

type ValueOf<S> = S extends Joi.ObjectSchema<infer T> ? T : undefined;
type Part<S extends RouteSpec, K extends keyof RouteRequest> = S extends { request: infer R }
  ? R extends Record<K, infer P>
    ? ValueOf<P>
    : undefined
  : undefined;

/** The validated inputs of a route, typed from its joi schemas. */
export interface RouteInput<S extends RouteSpec> {
  params: Part<S, 'params'>;
  query: Part<S, 'query'>;
  headers: Part<S, 'headers'>;
  body: Part<S, 'body'>;
}

/** How a module serves a route of the table. */
export interface RouteBinding<S extends RouteSpec> {
  /** Runs before authentication (per-IP limits, the arrival time). */
  before?: RequestHandler[];
  /** The app's `authenticate`: required unless the route is public; `admin` routes also get `requireAdmin`. */
  authenticate?: RequestHandler;
  /** Runs after authentication, before the inputs are validated (per-user limits). */
  after?: RequestHandler[];
  /**
   * A faster reading of the body for its common shapes, for a hot route; it must answer exactly like the spec's
   * body schema and hand anything else to it (`validateBody(spec.request.body, body)`).
   */
  parseBody?: (body: unknown) => Part<S, 'body'>;
  /** Answers the request; errors thrown (or rejected) go to the error handler. */
  handle(input: RouteInput<S>, req: Request, res: Response): unknown;
}

/** `/api/sales/:id` -> `/api/sales/{id}` (OpenAPI path template). */
export const toPathTemplate = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** Declared header names, as given in the schema (`Idempotency-Key`). */
function headerNames(schema: Joi.ObjectSchema): string[] {
  const keys = (schema.describe() as { keys?: Record<string, unknown> }).keys ?? {};
  return Object.keys(keys);
}

/** Validated inputs remembered per route and part (params, query, headers), by the raw text they came from. */
const MEMO_MAX = 1000;

/**
 * Remembers a pure validation by its input's text: the same text always gives the same value (joi and the
 * prototype-key check see nothing else), so a crowd asking the same sale, page or header again skips joi. Only
 * successes are kept (a refusal is validated afresh each time, so junk cannot fill the memo), and values are frozen
 * (they are shared by every request that sends the same text).
 */
function memoized<T>(validate: (input: unknown) => T): (key: string, input: () => unknown) => T {
  const memo = new LRUCache<string, { value: T }>({ max: MEMO_MAX });
  return (key, input) => {
    const known = memo.get(key);
    if (known) return known.value;
    const value = validate(input());
    if (value !== null && typeof value === 'object') Object.freeze(value);
    memo.set(key, { value });
    return value;
  };
}

/** The raw query string of a request ('' without one): what Express parses `req.query` from. */
function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at);
}

/** Reads and validates the inputs a spec declares, in order: params (404), query, body, headers (400). */
function reader<S extends RouteSpec>(spec: S, binding: RouteBinding<S>): (req: Request) => RouteInput<S> {
  const { params, query, headers, body } = spec.request ?? {};
  const declaredHeaders = headers ? headerNames(headers).map((name) => [name, name.toLowerCase()]) : [];
  const readParams =
    params &&
    memoized((given) => {
      const { value, error } = params.validate(given, { convert: true, allowUnknown: false });
      if (error) throw new AppError('NOT_FOUND');
      return value as unknown;
    });
  const readQuery = query && memoized((given) => validateQuery(query, given));
  const readHeaders = headers && memoized((given) => validateQuery(headers, given));
  return (req) => {
    const input = { params: undefined, query: undefined, headers: undefined, body: undefined } as Record<
      keyof RouteRequest,
      unknown
    >;
    if (readParams) input.params = readParams(JSON.stringify(req.params), () => ({ ...req.params }));
    if (readQuery) input.query = readQuery(rawQuery(req), () => req.query);
    if (body) input.body = binding.parseBody ? binding.parseBody(req.body) : validateBody(body, req.body);
    if (readHeaders) {
      const values = declaredHeaders.map(([, lower]) => req.headers[lower]);
      input.headers = readHeaders(JSON.stringify(values), () => {
        const given: Record<string, unknown> = {};
        declaredHeaders.forEach(([name], i) => {
          if (values[i] !== undefined) given[name] = values[i];
        });
        return given;
      });
    }
    return input as unknown as RouteInput<S>;
  };
}

/**
 * Registers one route of the table on a router: `before`, then authentication as `spec.access` says, then
 * `after`, then input validation from the spec's joi schemas, then the handler. Mount the router at the app's
 * root: the spec's path is the full path.
 */
export function mountRoute<S extends RouteSpec>(router: Router, spec: S, binding: RouteBinding<S>): void {
  const chain: RequestHandler[] = [...(binding.before ?? [])];
  if (spec.access !== 'public') {
    if (!binding.authenticate)
      throw new Error(`${spec.operationId}: a ${spec.access} route needs authenticate`);
    chain.push(binding.authenticate);
    if (spec.access === 'admin') chain.push(requireAdmin);
  }
  chain.push(...(binding.after ?? []));
  const read = reader(spec, binding);
  chain.push(async (req, res) => {
    await binding.handle(read(req), req, res);
  });
  router[spec.method](spec.path, ...chain);
}
