import { startReferences } from '../rows/reference';
import {
  newJwtSecret,
  startAppServer,
  createCallers,
  openDb,
  startDatabaseProcess,
  type DatabaseProcess,
} from '@flash-sale/harness';
import type { BenchContext, Placement } from './context';

/** How to start the processes a benchmark measures. */
export interface StackOptions {
  placement: Placement;
  log: (line: string) => void;
  /** Database name prefix (a timestamp is appended, so runs against MONGODB_URI never mix). */
  dbName: string;
  runSec: number;
  pairs: number;
  connections: number;
  /** Extra node flags of the server and of the embedded database (e.g. `--cpu-prof`). */
  nodeArgs?: { server?: string[]; database?: string[] };
}

/** The running stack and its orderly stop. */
export interface Stack {
  ctx: BenchContext;
  stop(): Promise<void>;
}

/**
 * Starts the embedded database as a child (unless MONGODB_URI is set), the server under test as a child
 * (`server/index.ts`, production settings), and the baseline and floor servers, each on its CPU.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { placement, log } = options;
  const external = process.env.MONGODB_URI;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => log(`stop: ${String(error)}`));
  };
  try {
    let database: DatabaseProcess | undefined;
    if (!external) {
      database = await startDatabaseProcess({
        cpu: placement.database,
        nodeArgs: options.nodeArgs?.database,
      });
      const child = database.process;
      stops.push(() => child.stop(15_000));
    }
    const url = new URL(external ?? database!.uri);
    url.pathname = `/${options.dbName}_${Date.now()}`;
    const mongodbUri = url.toString();
    const jwtSecret = newJwtSecret();
    const app = await startAppServer({
      mongodbUri,
      jwtSecret,
      cpu: placement.server,
      nodeArgs: options.nodeArgs?.server,
      onLine: (line) => log(`[server] ${line}`),
    });
    // A graceful stop (SIGTERM) is also what makes node write a --cpu-prof profile.
    stops.push(() => app.process.stop(15_000));
    const handle = await openDb(mongodbUri);
    stops.push(() => handle.close());
    const refs = await startReferences({
      mongodbUri,
      jwtSecret,
      cpu: placement.server,
      databasePid: database?.process.pid,
    });
    stops.push(() => refs.stop());
    const ctx: BenchContext = {
      mongodbUri,
      jwtSecret,
      app,
      admin: (await createCallers(handle.db, jwtSecret, 1, 'admin'))[0],
      db: handle.db,
      placement,
      serverProcesses: { server: app.process.pid, ...(database ? { database: database.process.pid } : {}) },
      refs,
      runSec: options.runSec,
      pairs: options.pairs,
      connections: options.connections,
      log,
    };
    return { ctx, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
