import { Router } from 'express';
import Joi from 'joi';
import { parsePathId } from '../http/ids';
import { validateQuery } from '../http/validate';
import type { LeaderboardQuery, LeaderboardService } from './leaderboard.service';

const querySchema = Joi.object<LeaderboardQuery>({
  round: Joi.number().integer().min(1).max(Number.MAX_SAFE_INTEGER),
  limit: Joi.number().integer().min(1).max(100).default(50),
  cursor: Joi.string().max(512),
});

/** GET /api/sales/:id/leaderboard (public). */
export function leaderboardRoutes(leaderboard: LeaderboardService): Router {
  const router = Router();
  router.get('/:id/leaderboard', async (req, res) => {
    const saleId = parsePathId(req.params.id);
    const query = validateQuery(querySchema, req.query);
    const body = await leaderboard.page(saleId, saleId.toHexString(), query);
    res.type('application/json').send(body);
  });
  return router;
}
