import type { Connection } from 'mongoose';
import { AppError } from '../errors';
import { isDuplicateKey } from '../db/duplicate-key';
import { userModel } from '../users/user.model';
import { toUserView, type UserView } from '../users/user.view';
import type { LoginInput, RegisterInput } from './auth.schemas';
import { checkPassword, hashPassword } from './passwords';
import type { TokenService } from './tokens';

/** What register and login answer. */
export interface Session {
  user: UserView;
  token: string;
}

/** Registration, login and "who am I", over one connection and one token service. */
export interface AuthService {
  register(input: RegisterInput): Promise<Session>;
  login(input: LoginInput): Promise<Session>;
  me(userId: string): Promise<UserView>;
}

/** Builds the auth service. The role of a new user is always `user`; nothing from the client sets it. */
export function createAuthService(connection: Connection, tokens: TokenService): AuthService {
  const users = userModel(connection);

  return {
    async register(input) {
      const passwordHash = await hashPassword(input.password);
      try {
        const user = await users.create({
          name: input.name.trim(),
          email: input.email.trim().toLowerCase(),
          passwordHash,
          role: 'user',
        });
        const view = toUserView(user);
        return { user: view, token: tokens.sign({ id: view.id, name: view.name, role: view.role }) };
      } catch (error) {
        if (isDuplicateKey(error)) throw new AppError('EMAIL_TAKEN');
        throw error;
      }
    },

    async login(input) {
      const user = await users.findOne({ email: input.email.trim().toLowerCase() }).lean();
      const ok = await checkPassword(input.password, user?.passwordHash);
      if (!user || !ok) throw new AppError('INVALID_CREDENTIALS');
      const view = toUserView(user);
      return { user: view, token: tokens.sign({ id: view.id, name: view.name, role: view.role }) };
    },

    async me(userId) {
      const user = await users.findById(userId).lean();
      // A valid token for a user that no longer exists proves nothing.
      if (!user) throw new AppError('UNAUTHENTICATED');
      return toUserView(user);
    },
  };
}
