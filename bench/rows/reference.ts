import type { LoadSpec } from '../lib/compare';
import { mintCallers, type Caller, freePort, startChild, waitReady, type Child } from '@flash-sale/harness';

/** Callers whose tokens rotate through every authenticated load (the same for every row). */
export const CALLERS = 1000;

/** The small JSON POST body every throughput row sends. */
export const BODY = JSON.stringify({ quantity: 1 });

/** Headers with a rotating bearer token (the baseline ignores it; the client builds the same request). */
export function rotatingAuth(callers: Caller[]): (i: number) => Record<string, string> {
  const tokens = callers.map((c) => `Bearer ${c.token}`);
  return (i) => ({ authorization: tokens[i % tokens.length] });
}

/** The two reference servers, running for the whole benchmark, and the loads that measure them. */
export interface References {
  /** Bare Express 5 answering a small JSON POST. */
  baseline: LoadSpec;
  /** JWT verify + one findOneAndUpdate + one insertOne on the same database: the purchase path's floor. */
  floor: LoadSpec;
  stop(): Promise<void>;
}

async function startReference(script: string, cpu: number | undefined, env: Record<string, string>) {
  const port = await freePort();
  const child = startChild({ script, cpu, env: { NODE_ENV: 'production', PORT: String(port), ...env } });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, child);
  return { url, child };
}

/**
 * Starts the baseline and floor servers as children on the server's CPU (same placement, same process settings
 * as the server under test). Every request carries a rotating bearer token, so the client's work per request is
 * the same in every row.
 */
export async function startReferences(options: {
  mongodbUri: string;
  jwtSecret: string;
  cpu?: number;
  /** The database's process, when it is a child of the benchmark (its CPU is then measured too). */
  databasePid?: number;
}): Promise<References> {
  const children: Child[] = [];
  try {
    const baseline = await startReference('bench/servers/baseline.ts', options.cpu, {});
    children.push(baseline.child);
    const floor = await startReference('bench/servers/floor.ts', options.cpu, {
      MONGODB_URI: options.mongodbUri,
      JWT_SECRET: options.jwtSecret,
    });
    children.push(floor.child);
    // The references never look accounts up: minted tokens are enough, and cost the client the same.
    const headers = rotatingAuth(mintCallers(options.jwtSecret, CALLERS));
    const db: Record<string, number> = options.databasePid ? { database: options.databasePid } : {};
    return {
      baseline: {
        url: baseline.url,
        path: () => '/echo',
        body: BODY,
        headers,
        processes: { server: baseline.child.pid },
      },
      floor: {
        url: floor.url,
        path: () => '/buy',
        body: BODY,
        headers,
        processes: { server: floor.child.pid, ...db },
      },
      stop: async () => {
        await Promise.all(children.map((c) => c.stop(5000)));
      },
    };
  } catch (error) {
    await Promise.all(children.map((c) => c.kill()));
    throw error;
  }
}
