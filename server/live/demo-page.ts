import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** Finds `client-demo/` from the sources (server/live) and from the build (dist/server/live). */
export function demoPageDir(): string {
  const candidates = [
    path.resolve(__dirname, '../../client-demo'),
    path.resolve(__dirname, '../../../client-demo'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`client-demo/index.html not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Serves the demo page and its modules at `/`. Plain files, no build step; the Socket.IO client comes from
 * `/socket.io/socket.io.js`, which socket.io serves itself.
 */
export function demoPageRouter(): Router {
  const router = express.Router();
  router.use(express.static(demoPageDir(), { index: 'index.html', maxAge: 0, fallthrough: true }));
  return router;
}
