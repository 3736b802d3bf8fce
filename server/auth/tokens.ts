import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors';
import { isObjectIdHex } from '../http/ids';
import type { Role } from '../users/user.model';

/** Who is calling, as proven by a verified token. The only source of identity and role. */
export interface Identity {
  id: string;
  name: string;
  role: Role;
}

/** Signs and verifies HS256 tokens with one key; no other algorithm is ever accepted. */
export interface TokenService {
  sign(identity: Identity): string;
  /**
   * Throws UNAUTHENTICATED for a bad signature, another alg (none included), expiry, no `exp` or a malformed
   * payload. Says nothing about whether the account still exists: see `AccountStates`.
   */
  verify(token: string): Identity;
}

const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/**
 * Tokens carry `sub` (user id), `name` (for the leaderboard, so a purchase needs no user lookup) and `role`.
 * The key is a KeyObject: verifying with a string secret re-imports the key on every call.
 */
export function createTokenService(key: KeyObject, expiresInSeconds: number): TokenService {
  return {
    sign: (identity) =>
      jwt.sign({ name: identity.name, role: identity.role }, key, {
        algorithm: 'HS256',
        subject: identity.id,
        expiresIn: expiresInSeconds,
      }),
    verify: (token) => {
      let payload: string | jwt.JwtPayload;
      try {
        payload = jwt.verify(token, key, { algorithms: ALGORITHMS });
      } catch {
        throw new AppError('UNAUTHENTICATED', { message: 'The token is invalid or expired' });
      }
      if (
        typeof payload !== 'object' ||
        // jsonwebtoken accepts a token without `exp` as never expiring: this server never issues one.
        typeof payload.exp !== 'number' ||
        !isObjectIdHex(payload.sub) ||
        typeof payload.name !== 'string' ||
        (payload.role !== 'user' && payload.role !== 'admin')
      ) {
        throw new AppError('UNAUTHENTICATED', { message: 'The token is invalid or expired' });
      }
      return { id: payload.sub, name: payload.name, role: payload.role };
    },
  };
}
