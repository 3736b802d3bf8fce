import { Router } from 'express';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import type { LeaderboardService } from './leaderboard.service';

/** The leaderboard of a sale (path in the route table), public. */
export function leaderboardRoutes(leaderboard: LeaderboardService): Router {
  const router = Router();
  mountRoute(router, routes.leaderboard, {
    async handle({ params, query }, _req, res) {
      const body = await leaderboard.page(params.id, params.id.toHexString(), query);
      res.type('application/json').send(body);
    },
  });
  return router;
}
