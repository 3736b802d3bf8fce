import Joi from 'joi';
import { pageLimitSchema } from '../http/page-limit';
import type { LeaderboardQuery } from './leaderboard.service';

/** GET /api/sales/:id/leaderboard query. */
export const leaderboardQuerySchema = Joi.object<LeaderboardQuery>({
  round: Joi.number()
    .integer()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .description('Round to list; default: the current round'),
  limit: pageLimitSchema,
  cursor: Joi.string()
    .max(512)
    .description(
      'nextCursor of the previous page; a cursor this server did not issue is 400 VALIDATION_ERROR',
    ),
});
