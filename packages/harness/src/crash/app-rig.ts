import { newJwtSecret, startAppServer } from '../app-server';
import { createCallers, openDb } from '../fixtures';
import { freePort } from '../processes';

/**
 * The server under test as a child process on a database the caller started, on a fixed port (a restart after a
 * kill reuses it), with a JWT secret this process knows (buyers' tokens are minted here, no registration), a
 * driver handle on the same database and an admin caller.
 */
export async function startAppOn(mongodbUri: string) {
  const jwtSecret = newJwtSecret();
  const port = await freePort();
  const server = await startAppServer({ mongodbUri, jwtSecret, port });
  const handle = await openDb(mongodbUri);
  const [admin] = await createCallers(handle.db, jwtSecret, 1, 'admin');
  return { mongodbUri, jwtSecret, port, server, handle, admin };
}
