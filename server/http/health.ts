import { Router } from 'express';
import type { Connection } from 'mongoose';
import { AppError } from '../errors';
import { routes } from '../routes';
import { mountRoute } from './route';

/** How long the readiness ping may take. */
const PING_TIMEOUT_MS = 1000;

async function pingDatabase(connection: Connection): Promise<boolean> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      db.command({ ping: 1 }).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz: the process runs. /readyz: the instance has finished its start-up work (`isStarted`: the start-up
 * reconciliation, so the leaderboard adds up to `sold` from the first read) and the database answers a ping
 * within a second.
 */
export function healthRoutes(connection: Connection, isStarted: () => boolean = () => true): Router {
  const router = Router();
  mountRoute(router, routes.health, {
    handle(_input, _req, res) {
      res.json({ status: 'ok' });
    },
  });
  mountRoute(router, routes.ready, {
    async handle(_input, _req, res) {
      if (!isStarted())
        throw new AppError('SERVICE_UNAVAILABLE', { message: 'Starting: reconciling the ledger' });
      if (!(await pingDatabase(connection))) throw new AppError('SERVICE_UNAVAILABLE');
      res.json({ status: 'ready' });
    },
  });
  return router;
}
