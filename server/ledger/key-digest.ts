import { createHash } from 'node:crypto';

/** Characters of base64url kept: 120 bits, so two keys of one sale collide with odds below 2^-60 per pair. */
const DIGEST_CHARS = 20;

/**
 * The name of an idempotency key's entry in the sale's `keys` map: a fixed-size digest of (user, key), so the
 * sale document stays small whatever the key's length (up to 255 characters) and a user's key never matches
 * another user's. base64url is a valid field name (no `.`, no leading `$`).
 */
export function keyDigest(userHex: string, key: string): string {
  return createHash('sha256').update(`${userHex}\u0000${key}`).digest('base64url').slice(0, DIGEST_CHARS);
}
