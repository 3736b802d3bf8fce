import { createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { createTokenService } from '../../server/auth/tokens';
import { AppError } from '../../server/errors';

const key = createSecretKey(Buffer.from('a-test-secret-that-is-long-enough-for-hs256', 'utf8'));
const identity = { id: new Types.ObjectId().toHexString(), name: 'Ada', role: 'user' as const };

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('token service (verified tokens remembered until their expiry)', () => {
  it('answers a repeated token from memory, and the same identity', () => {
    const tokens = createTokenService(key, 3600);
    const token = tokens.sign(identity);
    const first = tokens.verify(token);
    expect(first).to.deep.equal(identity);
    expect(tokens.verify(token)).to.equal(first);
  });

  it('still refuses a token differing in one byte of its signature after the good one was remembered', () => {
    const tokens = createTokenService(key, 3600);
    const token = tokens.sign(identity);
    tokens.verify(token);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(refusal(() => tokens.verify(token.slice(0, -1) + last)).code).to.equal('UNAUTHENTICATED');
  });

  it('stops accepting a remembered token at its exp', async () => {
    const tokens = createTokenService(key, 3600);
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = jwt.sign({ name: identity.name, role: identity.role, exp }, key, {
      algorithm: 'HS256',
      subject: identity.id,
    });
    expect(tokens.verify(token).id).to.equal(identity.id);
    const deadline = Date.now() + 3000;
    while (Date.now() < exp * 1000 && Date.now() < deadline) {
      expect(tokens.verify(token).id).to.equal(identity.id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refusal(() => tokens.verify(token)).code).to.equal('UNAUTHENTICATED');
  });

  it('makes refusals without a stack trace and failures with one', () => {
    expect(new AppError('SOLD_OUT').stack).to.not.match(/\n\s+at /);
    expect(new AppError('INTERNAL_ERROR').stack).to.match(/\n\s+at /);
    // The process's own setting is left as it was.
    expect(new Error('x').stack).to.match(/\n\s+at /);
  });
});
