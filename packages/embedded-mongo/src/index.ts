import { EmbeddedMongoServer, type Faults, type ServerOptions } from './server';

export type { Faults, ServerOptions } from './server';
export type { EngineOptions } from './engine/types';
export type { CommandMatcher, Pause } from './pause-points';

/** A running embedded server. */
export interface EmbeddedMongo {
  /** `mongodb://host:port/`: works with no options (the driver sees the primary of replica set `rs0`). */
  uri: string;
  port: number;
  /** Stops accepting, aborts transactions, kills cursors and closes every connection. */
  stop(): Promise<void>;
  /** Test-only fault injection. */
  faults: Faults;
}

/**
 * Starts an in-memory MongoDB-compatible server that the `mongodb` driver and mongoose use unchanged. For tests,
 * demos and offline development: nothing is durable.
 */
export async function start(opts: ServerOptions = {}): Promise<EmbeddedMongo> {
  const server = new EmbeddedMongoServer(opts);
  const port = await server.listen();
  return {
    uri: `mongodb://${server.hostAndPort}/`,
    port,
    stop: () => server.stop(),
    faults: server.faults,
  };
}
