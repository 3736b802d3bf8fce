import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors';

/** Where a page ends: round and last position. */
export interface CursorPosition {
  round: number;
  position: number;
}

const TAG_BYTES = 16;
/** Cursors remembered once verified (a crowd paging the live board asks the same few deep pages again). */
const VERIFIED_MAX = 10_000;

function invalid(): AppError {
  return new AppError('VALIDATION_ERROR', {
    details: [{ path: 'cursor', message: '"cursor" was not issued by this server', type: 'cursor.invalid' }],
  });
}

/**
 * Opaque leaderboard cursors: base64url of `{r, p}` plus a truncated HMAC over the sale id and that payload, so a
 * forged, garbled or other sale's cursor is refused. The HMAC key is derived from the JWT key.
 */
export class CursorCodec {
  private readonly key: Buffer;
  /**
   * Positions of cursors that passed `decode`, by sale and exact cursor text: a cursor asked again costs no HMAC.
   * Only strings that were verified are remembered, so a forged one is always checked.
   */
  private readonly verified = new LRUCache<string, CursorPosition>({ max: VERIFIED_MAX });

  constructor(jwtKey: KeyObject) {
    this.key = createHmac('sha256', jwtKey).update('leaderboard-cursor/v1').digest();
  }

  encode(saleHex: string, at: CursorPosition): string {
    const payload = Buffer.from(JSON.stringify({ r: at.round, p: at.position })).toString('base64url');
    return `${payload}.${this.tag(saleHex, payload).toString('base64url')}`;
  }

  /** Throws 400 VALIDATION_ERROR for anything this server did not issue for this sale. */
  decode(saleHex: string, cursor: string): CursorPosition {
    const known = this.verified.get(`${saleHex}/${cursor}`);
    if (known) return known;
    const position = this.verify(saleHex, cursor);
    this.verified.set(`${saleHex}/${cursor}`, position);
    return position;
  }

  private verify(saleHex: string, cursor: string): CursorPosition {
    const [payload, tag, extra] = cursor.split('.');
    if (!payload || !tag || extra !== undefined) throw invalid();
    // Compared as text, not as decoded bytes: base64url decoding skips characters it does not know, so junk
    // appended to a tag would decode to the same bytes. Only the exact string this server issued passes.
    const given = Buffer.from(tag, 'utf8');
    const expected = Buffer.from(this.tag(saleHex, payload).toString('base64url'), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    const { r, p } = (parsed ?? {}) as { r?: unknown; p?: unknown };
    if (!Number.isInteger(r) || (r as number) < 1 || !Number.isInteger(p) || (p as number) < 0)
      throw invalid();
    return Object.freeze({ round: r as number, position: p as number });
  }

  private tag(saleHex: string, payload: string): Buffer {
    return createHmac('sha256', this.key).update(`${saleHex}.${payload}`).digest().subarray(0, TAG_BYTES);
  }
}
