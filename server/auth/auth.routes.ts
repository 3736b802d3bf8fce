import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import type { AuthService } from './auth.service';

/** Register, login, me (paths in the route table). `limiter` is the per-IP rate limit of every auth call. */
export function authRoutes(auth: AuthService, authenticate: RequestHandler, limiter: RequestHandler): Router {
  const router = Router();

  mountRoute(router, routes.register, {
    before: [limiter],
    async handle({ body }, _req, res) {
      res.status(201).json(await auth.register(body));
    },
  });

  mountRoute(router, routes.login, {
    before: [limiter],
    async handle({ body }, _req, res) {
      res.json(await auth.login(body));
    },
  });

  mountRoute(router, routes.me, {
    before: [limiter],
    authenticate,
    async handle(_input, req, res) {
      res.json({ user: await auth.me(identityOf(req).id) });
    },
  });

  return router;
}
