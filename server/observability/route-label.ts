import type { Request } from 'express';

/** Label of a request that matched no route (unknown URL, 404, 405, static files): never the URL itself. */
export const UNMATCHED_ROUTE = 'unmatched';

const LABEL = Symbol('routeLabel');

type Followed = Request & { [LABEL]?: string };

/** `req.baseUrl + req.route.path`, without the trailing slash a router's `/` route adds (`/api/sales/`). */
function joinRoute(baseUrl: string, path: unknown): string {
  const pattern = Array.isArray(path) ? path.map(String).join(',') : String(path);
  const joined = `${baseUrl}${pattern}`;
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/**
 * Follows which route Express matches for this request: Express assigns `req.route` when a route matches, while
 * `req.baseUrl` is still the mount path of that route's router, so the label is taken right then. (Read later,
 * after an error has left the router, `req.baseUrl` would already be reset to the parent's.) Idempotent; call it
 * from a middleware mounted before the routers.
 */
export function followMatchedRoute(req: Request): void {
  const followed = req as Followed;
  if (Object.prototype.hasOwnProperty.call(followed, LABEL)) return;
  followed[LABEL] = undefined;
  let route: Request['route'] = followed.route;
  Object.defineProperty(followed, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: Request['route']) {
      route = value;
      followed[LABEL] = value ? joinRoute(followed.baseUrl ?? '', value.path) : undefined;
    },
  });
}

/**
 * The route of a request as Express matched it, `req.baseUrl + req.route.path` (`/api/sales/:id/purchases`),
 * never its URL, so it can label metrics and logs; `unmatched` when no route matched.
 */
export function routeLabelOf(req: Request): string {
  const followed = req as Followed;
  const label = followed[LABEL];
  if (label !== undefined) return label;
  // Not followed (or nothing matched yet): Express's values as they are now.
  return followed.route ? joinRoute(followed.baseUrl ?? '', followed.route.path) : UNMATCHED_ROUTE;
}
