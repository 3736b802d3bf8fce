import { randomBytes } from 'node:crypto';
import { freePort, startChild, waitReady, type Child } from './processes';

/** The real server (`server/index.ts`) running as a child process against a database. */
export interface AppServer {
  url: string;
  port: number;
  process: Child;
}

/** How to start the server under test. */
export interface AppServerOptions {
  mongodbUri: string;
  jwtSecret: string;
  cpu?: number;
  nodeArgs?: string[];
  /** Fixed port (a restart after a crash reuses the port); default: a free one. */
  port?: number;
  env?: Record<string, string | undefined>;
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** A random JWT secret long enough for the config's rule (32+ characters). */
export function newJwtSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Starts the server and resolves once /readyz answers 200 (see `spawnAppServer`). */
export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const server = await spawnAppServer(options);
  await waitReady(`${server.url}/readyz`, server.process, options.readyTimeoutMs);
  return server;
}

/**
 * Starts `server/index.ts` the way production does (NODE_ENV=production, MONGODB_URI set, no demo seed), with
 * the purchase and auth rate limits raised so that a load test measures the purchase path, not the limiter.
 * Does not wait for readiness (a crash test kills it while it starts).
 */
export async function spawnAppServer(options: AppServerOptions): Promise<AppServer> {
  const port = options.port ?? (await freePort());
  const child = startChild({
    script: 'server/index.ts',
    nodeArgs: options.nodeArgs,
    cpu: options.cpu,
    onLine: options.onLine,
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      MONGODB_URI: options.mongodbUri,
      JWT_SECRET: options.jwtSecret,
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      PURCHASE_RATE_LIMIT: '1000000',
      AUTH_RATE_LIMIT: '1000000',
      // Every load client and watcher of a benchmark connects from this one machine.
      SOCKET_CONNECTIONS_PER_IP: '1000000',
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      ...options.env,
    },
  });
  return { url: `http://127.0.0.1:${port}`, port, process: child };
}
