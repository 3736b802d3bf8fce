import bcrypt from 'bcryptjs';

const COST = 10;

/**
 * A hash of a password nobody knows. Login compares against it when the email is unknown, so an unknown email
 * and a wrong password take the same time and give the same answer.
 */
const DUMMY_HASH = '$2b$10$B7eNf4FuBbmWagyxNiuh2uL/nKWCfAjd1GCwZ4unmVQUJmqS3AOcC';

/** Hashes a password (async: bcrypt must not block the event loop). */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

/** Compares a password with a hash, or with the dummy hash when there is no user (always false then). */
export async function checkPassword(password: string, hash: string | undefined): Promise<boolean> {
  const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return ok && hash !== undefined;
}
