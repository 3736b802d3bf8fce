import type { Application, Request } from 'express';

/** One route of an Express app: an upper-case method and the full Express path pattern (`/api/sales/:id`). */
export interface AppRoute {
  method: string;
  path: string;
}

/** The parts of the `router` package's Layer and Route that the walk reads (Express 5 / router 2). */
interface Layer {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle: { stack?: unknown };
}

interface CompiledRoute extends AppRoute {
  regexp: RegExp;
}

function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : '/';
}

/** The string paths of a layer; RegExp paths cannot be turned into a readable label and are skipped. */
function layerPaths(layer: Layer): string[] {
  if (layer.slash) return ['/'];
  const raw = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
  return raw.filter((p): p is string => typeof p === 'string');
}

function isLayerList(stack: unknown): stack is Layer[] {
  return Array.isArray(stack);
}

function walk(stack: Layer[], prefix: string, routes: AppRoute[], depth: number): void {
  // Routers nest a handful of levels at most; the bound protects against a cycle.
  if (depth > 16) return;
  for (const layer of stack) {
    const paths = layer.route
      ? [layer.route.path].filter((p): p is string => typeof p === 'string')
      : layerPaths(layer);
    for (const path of paths) {
      const full = joinPaths(prefix, path);
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: full });
        }
      } else if (isLayerList(layer.handle.stack)) {
        walk(layer.handle.stack, full, routes, depth + 1);
      }
    }
  }
}

function rootStack(app: Application): Layer[] {
  // Express 5 exposes its base router as `app.router` (created lazily on first use).
  const stack = (app as unknown as { router?: { stack?: unknown } }).router?.stack;
  return isLayerList(stack) ? stack : [];
}

/**
 * Every route of an Express 5 app, nested routers included, in registration order. Plain middleware is not a
 * route (static files, the API docs UI).
 */
export function listAppRoutes(app: Application): AppRoute[] {
  const routes: AppRoute[] = [];
  walk(rootStack(app), '/', routes, 0);
  return routes;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles the subset of path-to-regexp 8 syntax that routes use: literal text, `:param`, `*wildcard` and
 * `{optional}` groups. Like Express by default: case-insensitive, a trailing slash allowed.
 */
export function compilePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === ':' || char === '*') {
      const name = /^[A-Za-z_$][\w$]*/.exec(pattern.slice(i + 1))?.[0] ?? '';
      source += char === ':' ? '[^/]+' : '.+';
      i += name.length;
    } else if (char === '{') source += '(?:';
    else if (char === '}') source += ')?';
    else if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source.replace(/\/$/, '')}/?$`, 'i');
}

/** The methods each path of an app serves, from a table of its routes built once per app. */
export class RouteResolver {
  private readonly routes: CompiledRoute[];

  constructor(app: Application) {
    this.routes = listAppRoutes(app).map((r) => ({ ...r, regexp: compilePattern(r.path) }));
  }

  /** The methods served at a path (HEAD with GET, as Express does), upper-case; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    const methods = new Set(this.routes.filter((r) => r.regexp.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  }
}

const resolvers = new WeakMap<Application, RouteResolver>();

function resolverOf(req: Request): RouteResolver {
  let resolver = resolvers.get(req.app);
  if (!resolver) {
    resolver = new RouteResolver(req.app);
    resolvers.set(req.app, resolver);
  }
  return resolver;
}

const pathOf = (req: Request) => (req.originalUrl ?? req.url).split('?')[0];

/**
 * The methods the app serves at the request's path, for 405 and `Allow`; empty when none. The table is built on
 * the first call, when every route of the app is registered.
 */
export function allowedMethodsOf(req: Request): string[] {
  return resolverOf(req).allowedMethods(pathOf(req));
}
