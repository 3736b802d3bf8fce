import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** The app's helmet options. No `upgrade-insecure-requests`: behind plain HTTP (a LAN, the compose file) it would break the page's assets. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
};

/**
 * helmet's security headers, computed once by helmet itself and then set on every answer in one call. helmet
 * stays the owner of every header and value; with static options (no per-request function in the CSP, as
 * here) its output never depends on the request, so running its twelve middlewares per request would only
 * recompute the same strings. The answer's `X-Powered-By` is removed as helmet does.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string value`);
      headers.set(name, value);
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let called = false;
  helmet(options)({} as never, recorder as unknown as ServerResponse, () => {
    called = true;
  });
  if (!called) throw new Error('helmet did not finish synchronously: its options depend on the request');
  return (_req, res, next) => {
    res.setHeaders(headers);
    res.removeHeader('X-Powered-By');
    next();
  };
}
