import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
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

/** Verified tokens remembered at once (a token is about 200 bytes; 50,000 hold every buyer of a large rush). */
const VERIFIED_TOKENS_MAX = 50_000;

const invalid = () => new AppError('UNAUTHENTICATED', { message: 'The token is invalid or expired' });

/** Verifies the signature and the claims; the identity and the expiry (ms since epoch) of a good token. */
function verifyToken(token: string, key: KeyObject): { identity: Identity; expiresAt: number } {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key, { algorithms: ALGORITHMS });
  } catch {
    throw invalid();
  }
  if (
    typeof payload !== 'object' ||
    // jsonwebtoken accepts a token without `exp` as never expiring: this server never issues one.
    typeof payload.exp !== 'number' ||
    !isObjectIdHex(payload.sub) ||
    typeof payload.name !== 'string' ||
    (payload.role !== 'user' && payload.role !== 'admin')
  ) {
    throw invalid();
  }
  return {
    identity: { id: payload.sub, name: payload.name, role: payload.role },
    expiresAt: payload.exp * 1000,
  };
}

/**
 * Tokens carry `sub` (user id), `name` (for the leaderboard, so a purchase needs no user lookup) and `role`.
 * The key is a KeyObject: verifying with a string secret re-imports the key on every call.
 *
 * A verified token is remembered (bounded LRU, keyed by the whole token string, so a token differing in any
 * byte is verified afresh) until its `exp`: a buyer's repeated calls cost one HMAC, not one per call. Only
 * good tokens are remembered, never refusals. This changes nothing about revocation: whether the account still
 * exists and its current role are checked on every call by `AccountStates`, not read from the token.
 */
export function createTokenService(key: KeyObject, expiresInSeconds: number): TokenService {
  const verified = new LRUCache<string, Identity>({ max: VERIFIED_TOKENS_MAX });
  return {
    sign: (identity) =>
      jwt.sign({ name: identity.name, role: identity.role }, key, {
        algorithm: 'HS256',
        subject: identity.id,
        expiresIn: expiresInSeconds,
      }),
    verify: (token) => {
      const known = verified.get(token);
      if (known) return known;
      const { identity, expiresAt } = verifyToken(token, key);
      // Forgotten a second before `exp`, so jsonwebtoken's own expiry check always decides the boundary.
      const ttl = expiresAt - Date.now() - 1000;
      if (ttl > 0) verified.set(token, identity, { ttl });
      return identity;
    },
  };
}
