import { createSecretKey, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { userModel } from '../../../../../server/users/user.model';
import type { TestApp } from '../test-app';
import type { Fixtures } from './http-cases';

/**
 * Tokens that must all be refused: another key, expired, alg none, another HMAC size, wrong claims, no `exp` (for
 * an account that exists), and a well-formed token of a deleted account.
 */
async function badTokens(t: TestApp): Promise<string[]> {
  const key = t.config.jwt.key;
  const sub = new Types.ObjectId().toHexString();
  const claims = { name: 'mallory', role: 'admin' };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const living = await t.createUser({ role: 'admin' });
  const deleted = await t.createUser({ role: 'admin' });
  await userModel(t.connection).deleteOne({ _id: deleted.id });
  return [
    jwt.sign(claims, key, { algorithm: 'HS256', subject: living.id }),
    deleted.token,
    jwt.sign(claims, createSecretKey(randomBytes(32)), { algorithm: 'HS256', subject: sub, expiresIn: 3600 }),
    jwt.sign({ ...claims, exp: now - 60 }, key, { algorithm: 'HS256', subject: sub }),
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub, exp: now + 3600 })}.`,
    jwt.sign(claims, key, { algorithm: 'HS512', subject: sub, expiresIn: 3600 }),
    jwt.sign({ name: 'x', role: 'root' }, key, { algorithm: 'HS256', subject: sub, expiresIn: 3600 }),
    jwt.sign({ name: 'x', role: 'user' }, key, { algorithm: 'HS256', subject: 'not-an-id', expiresIn: 3600 }),
    jwt.sign({ role: 'user' }, key, { algorithm: 'HS256', subject: sub, expiresIn: 3600 }),
    jwt.sign({ name: { $gt: '' }, role: 'user' }, key, { algorithm: 'HS256', subject: sub, expiresIn: 3600 }),
    jwt.sign({ ...claims, nbf: now + 3600 }, key, { algorithm: 'HS256', subject: sub, expiresIn: 7200 }),
  ];
}

/**
 * What the fuzzer aims at: an active sale far from selling out (limits of 5 per order and per user), a sold-out
 * sale, a sale that has not started, a product, 20 users, an admin, refused tokens and a pool of keys.
 */
export async function makeFixtures(t: TestApp): Promise<Fixtures> {
  const admin = await t.createUser({ role: 'admin' });
  const users = await t.createUsers(20);
  const active = await t.createSale(admin, { units: 10_000, perOrderLimit: 5, perUserLimit: 5 });
  const soldOut = await t.createSale(admin, { units: 1 });
  const bought = await t.buy(users[0], soldOut.id, { quantity: 1 });
  if (bought.status !== 201) throw new Error(`fixture purchase: ${bought.status} ${bought.text}`);
  const later = new Date(t.clock.now().getTime() + 365 * 86_400_000).toISOString();
  const scheduled = await t.createSale(admin, { units: 10, startsAt: later });
  for (const user of users.slice(0, 2)) {
    const res = await t.buy(user, active.id);
    if (res.status !== 201) throw new Error(`fixture purchase: ${res.status} ${res.text}`);
  }
  const page = await t.request('GET', `/api/sales/${active.id}/leaderboard?limit=1`);
  if (typeof page.body?.nextCursor !== 'string') throw new Error(`fixture cursor: ${page.text}`);
  return {
    sales: [active.id, soldOut.id, scheduled.id],
    productId: active.product.id,
    users: users.map((u) => u.token),
    admin: admin.token,
    badTokens: await badTokens(t),
    cursor: page.body.nextCursor,
    keys: ['k1', 'k2', 'k3', 'key-with-dashes', 'x'.repeat(255)],
  };
}
