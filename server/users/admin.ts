import type { Connection } from 'mongoose';
import type { Logger } from 'winston';
import { checkPassword, hashPassword } from '../auth/passwords';
import { isDuplicateKey } from '../db/duplicate-key';
import { userModel } from './user.model';

/**
 * Makes sure an admin with these credentials exists. Idempotent and safe when several instances start together:
 * an upsert on the unique email, where losing a duplicate-key race means another instance created it.
 */
export async function ensureAdmin(
  connection: Connection,
  credentials: { email: string; password: string },
  logger: Logger,
): Promise<void> {
  const users = userModel(connection);
  const email = credentials.email.toLowerCase();
  const existing = await users.findOne({ email }).lean();
  if (existing?.role === 'admin' && (await checkPassword(credentials.password, existing.passwordHash)))
    return;
  const passwordHash = await hashPassword(credentials.password);
  const upsert = () =>
    users.updateOne(
      { email },
      { $set: { role: 'admin', passwordHash }, $setOnInsert: { name: 'Admin', email } },
      { upsert: true },
    );
  try {
    await upsert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await upsert();
  }
  logger.info('admin account ready', { email });
}
