import { Router, type RequestHandler } from 'express';
import { identityOf } from '../http/auth';
import { validateBody } from '../http/validate';
import { loginSchema, registerSchema } from './auth.schemas';
import type { AuthService } from './auth.service';

/** /api/auth: register, login, me. `limiter` is the per-IP rate limit of every auth call. */
export function authRoutes(auth: AuthService, authenticate: RequestHandler, limiter: RequestHandler): Router {
  const router = Router();
  router.use(limiter);

  router.post('/register', async (req, res) => {
    const session = await auth.register(validateBody(registerSchema, req.body));
    res.status(201).json(session);
  });

  router.post('/login', async (req, res) => {
    res.json(await auth.login(validateBody(loginSchema, req.body)));
  });

  router.get('/me', authenticate, async (req, res) => {
    res.json({ user: await auth.me(identityOf(req).id) });
  });

  return router;
}
