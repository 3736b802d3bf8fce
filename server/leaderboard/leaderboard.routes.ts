import { Router } from 'express';
import { LRUCache } from 'lru-cache';
import { mountRoute } from '../http/route';
import { routes } from '../routes';
import type { LeaderboardService } from './leaderboard.service';

/** ETags remembered, by page body (the same cached string object, whose hash V8 keeps: a lookup is cheap). */
const ETAGS_MAX = 2000;

type ETagFn = (body: string, encoding: BufferEncoding) => string | undefined;

/** The leaderboard of a sale (path in the route table), public. */
export function leaderboardRoutes(leaderboard: LeaderboardService): Router {
  const router = Router();
  // Pages are served from the page cache as the same strings: Express's own ETag of each is computed once, not
  // on every answer (a deep page is several KB of SHA-1). Express then only compares it for a 304.
  const etags = new LRUCache<string, string>({ max: ETAGS_MAX });
  mountRoute(router, routes.leaderboard, {
    async handle({ params, query }, req, res) {
      const body = await leaderboard.page(params.id, params.id.toHexString(), query);
      const etagOf = req.app.get('etag fn') as ETagFn | undefined;
      if (etagOf) {
        let tag = etags.get(body);
        if (tag === undefined) {
          tag = etagOf(body, 'utf8');
          if (tag !== undefined) etags.set(body, tag);
        }
        if (tag !== undefined) res.set('ETag', tag);
      }
      res.type('application/json').send(body);
    },
  });
  return router;
}
