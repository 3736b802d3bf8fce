import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Config } from '../config';
import { start as startEmbeddedMongo } from '@flash-sale/embedded-mongo';

/** An open database: the mongoose connection and how to let go of it (and of the embedded server, if any). */
export interface Database {
  connection: Connection;
  /** True when the server runs the in-memory embedded database. */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Short timeouts and no buffering: when the database is gone a request fails within ~2.5 s with a 503 instead of
 * hanging in mongoose's buffer.
 */
export const CONNECTION_OPTIONS = {
  serverSelectionTimeoutMS: 2500,
  connectTimeoutMS: 2500,
  bufferCommands: false,
  autoIndex: true,
} as const;

/** Opens a mongoose connection (not the global one) on `uri`; `dbName` overrides the URI's database. */
export async function openConnection(uri: string, dbName?: string): Promise<Connection> {
  return mongoose.createConnection(uri, { ...CONNECTION_OPTIONS, ...(dbName ? { dbName } : {}) }).asPromise();
}

/** The database the embedded server's data goes to. */
const EMBEDDED_DB_NAME = 'flash-sale';

/** Connects to MONGODB_URI, or starts the embedded database when it is unset and says loudly what that means. */
export async function connectDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.mongodbUri) {
    const connection = await openConnection(config.mongodbUri);
    logger.info('database connected', { host: connection.host, name: connection.name });
    return { connection, embedded: false, close: () => connection.close() };
  }
  const server = await startEmbeddedMongo({});
  logger.warn(
    'MONGODB_URI is unset: using the EMBEDDED IN-MEMORY database. Data is lost on exit. NOT FOR PRODUCTION.',
    { uri: server.uri },
  );
  try {
    const connection = await openConnection(server.uri, EMBEDDED_DB_NAME);
    return {
      connection,
      embedded: true,
      close: async () => {
        await connection
          .close()
          .catch((error: unknown) => logger.error('closing the connection failed', { error }));
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
