import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { start, type EmbeddedMongo, type Faults } from '@flash-sale/embedded-mongo';

/** A database for one test file. */
export interface TestDatabase {
  uri: string;
  /** Fresh and unique to this caller; dropped by `stop()`. */
  dbName: string;
  /** Fault hooks of the embedded server; absent against a real MongoDB (MONGODB_URI). */
  faults?: Faults;
  /** Drops the database. The shared embedded server itself lives until the process exits. */
  stop(): Promise<void>;
}

let shared: Promise<EmbeddedMongo> | undefined;

function embedded(): Promise<EmbeddedMongo> {
  shared ??= start({
    logger: (line) => {
      if (process.env.EMBEDDED_MONGO_LOG) process.stderr.write(`[embedded-mongo] ${line}\n`);
    },
  });
  return shared;
}

/**
 * The database a test file works in: against `MONGODB_URI` when it is set (a real replica set; no fault hooks),
 * else against one embedded server shared by the whole test process, started on first use.
 */
export async function getTestDatabase(): Promise<TestDatabase> {
  const dbName = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const external = process.env.MONGODB_URI;
  const server = external ? undefined : await embedded();
  const uri = external ?? server!.uri;
  return { uri, dbName, faults: server?.faults, stop: () => dropDatabase(uri, dbName) };
}

async function dropDatabase(uri: string, dbName: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
