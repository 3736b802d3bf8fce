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

/** bcrypt reads this many bytes of a password and silently ignores the rest. */
export const MAX_PASSWORD_BYTES = 72;

/** True when bcrypt would read all of `password` (UTF-8 bytes, not characters). */
export function fitsBcrypt(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/**
 * Compares a password with a hash. With no user, or a password longer than bcrypt reads (which would match on
 * its first 72 bytes alone), it compares against the dummy hash and answers false: same work, same answer as a
 * wrong password.
 */
export async function checkPassword(password: string, hash: string | undefined): Promise<boolean> {
  const usable = hash !== undefined && fitsBcrypt(password);
  const ok = await bcrypt.compare(password, usable ? hash : DUMMY_HASH);
  return ok && usable;
}
