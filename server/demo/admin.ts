import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { hashPassword } from '../auth/passwords';
import { isDuplicateKey } from '../db/duplicate-key';
import { userModel } from '../users/user.model';
import { DEMO_ADMIN_EMAIL } from './ids';

/** The demo admin: `password` is set only for the caller that created the account (it is shown once). */
export interface DemoAdmin {
  email: string;
  password: string | null;
}

/**
 * Creates the demo admin with a generated password unless the account exists. Insert-only (`$setOnInsert` on
 * the unique email), so when several instances start together exactly one creates it and prints a password
 * that works; the others never overwrite it. An existing account of that email is left as it is.
 */
export async function ensureGeneratedAdmin(connection: Connection): Promise<DemoAdmin> {
  const users = userModel(connection);
  // The unique email index is what makes a concurrent second insert fail instead of duplicating.
  await users.init();
  const email = DEMO_ADMIN_EMAIL;
  if (await users.exists({ email })) return { email, password: null };
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  try {
    const result = await users.updateOne(
      { email },
      { $setOnInsert: { name: 'Demo admin', email, role: 'admin', passwordHash } },
      { upsert: true },
    );
    return { email, password: result.upsertedCount === 1 ? password : null };
  } catch (error) {
    if (isDuplicateKey(error)) return { email, password: null };
    throw error;
  }
}
