import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { ensureAdmin } from '../../server/users/admin';
import { userModel } from '../../server/users/user.model';
import { TEST_PASSWORD, TestApp } from '@flash-sale/harness/app';

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('auth', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.stop();
  });

  describe('POST /api/auth/register', () => {
    it('creates a user with role "user" and returns a working token, never a hash', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'Ada', email: 'Ada@Example.COM', password: 'longenough' },
      });
      expect(res.status).to.equal(201);
      expect(res.body.user).to.include({ name: 'Ada', email: 'ada@example.com', role: 'user' });
      expect(res.body.user).to.have.all.keys('id', 'name', 'email', 'role', 'createdAt');
      expect(res.text).not.to.match(/passwordHash|\$2[aby]\$/);
      const me = await t.request('GET', '/api/auth/me', { token: res.body.token });
      expect(me.status).to.equal(200);
      expect(me.body.user).to.deep.equal(res.body.user);
    });

    it('refuses an email already taken, whatever its case', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'Ada 2', email: 'ADA@example.com', password: 'longenough' },
      });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('EMAIL_TAKEN');
    });

    it('refuses a client-chosen role or id as unknown fields', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'Eve', email: 'eve@example.com', password: 'longenough', role: 'admin', id: 'x' },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.have.members(['role', 'id']);
      expect(await userModel(t.connection).countDocuments({ email: 'eve@example.com' })).to.equal(0);
    });

    it('lists every invalid field at once', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: '', email: 'not-an-email', password: 'short' },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.have.members([
        'name',
        'email',
        'password',
      ]);
      for (const detail of res.body.error.details) expect(detail).to.have.all.keys('path', 'message', 'type');
    });

    it('refuses operator objects and arrays where strings are expected', async () => {
      for (const body of [
        { name: 'X', email: { $gt: '' }, password: 'longenough' },
        { name: ['X'], email: 'x@example.com', password: 'longenough' },
        [{ name: 'X', email: 'x@example.com', password: 'longenough' }],
      ]) {
        const res = await t.request('POST', '/api/auth/register', { body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal('VALIDATION_ERROR');
      }
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with the right password (email case-insensitive)', async () => {
      const user = await t.createUser({ email: 'grace@example.com' });
      const res = await t.request('POST', '/api/auth/login', {
        body: { email: 'GRACE@example.com', password: TEST_PASSWORD },
      });
      expect(res.status).to.equal(200);
      expect(res.body.user.id).to.equal(user.id);
      expect(res.body.token).to.be.a('string');
    });

    it('answers an unknown email and a wrong password identically', async () => {
      await t.createUser({ email: 'linus@example.com' });
      const wrong = await t.request('POST', '/api/auth/login', {
        body: { email: 'linus@example.com', password: 'wrong password' },
      });
      const unknown = await t.request('POST', '/api/auth/login', {
        body: { email: 'nobody@example.com', password: 'wrong password' },
      });
      expect(wrong.status).to.equal(401);
      expect(unknown.status).to.equal(401);
      expect(wrong.body).to.deep.equal(unknown.body);
      expect(wrong.body.error.code).to.equal('INVALID_CREDENTIALS');
    });

    it('refuses an operator object as the email', async () => {
      const res = await t.request('POST', '/api/auth/login', {
        body: { email: { $ne: null }, password: 'x' },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    });
  });

  describe('GET /api/auth/me', () => {
    it('needs a token', async () => {
      for (const authorization of [undefined, 'Bearer', 'Basic abc', 'Bearer not.a.token']) {
        const res = await t.request('GET', '/api/auth/me', {
          headers: authorization ? { authorization } : {},
        });
        expect(res.status, String(authorization)).to.equal(401);
        expect(res.body.error.code).to.equal('UNAUTHENTICATED');
      }
    });

    it('refuses alg "none", another HMAC key, another algorithm and expired tokens', async () => {
      const user = await t.createUser();
      const claims = {
        sub: user.id,
        name: user.name,
        role: 'admin',
        exp: Math.floor(Date.now() / 1000) + 600,
      };
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      const otherKey = jwt.sign(claims, 'another secret of at least thirty-two chars', {
        algorithm: 'HS256',
      });
      const hs512 = jwt.sign(claims, t.config.jwt.key, { algorithm: 'HS512' });
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, t.config.jwt.key, {
        algorithm: 'HS256',
      });
      // A signature over a tampered payload with the real header.
      const [header, , signature] = user.token.split('.');
      const tampered = `${header}.${b64({ ...claims })}.${signature}`;
      for (const token of [none, otherKey, hs512, expired, tampered]) {
        const res = await t.request('GET', '/api/auth/me', { token });
        expect(res.status).to.equal(401);
        expect(res.body.error.code).to.equal('UNAUTHENTICATED');
      }
      // Sanity: the same claims signed properly are accepted.
      const good = createHmac('sha256', t.config.jwt.key)
        .update(`${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`)
        .digest('base64url');
      const ok = await t.request('GET', '/api/auth/me', {
        token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.${good}`,
      });
      expect(ok.status).to.equal(200);
    });

    it('refuses a valid token whose user no longer exists', async () => {
      const user = await t.createUser();
      await userModel(t.connection).deleteOne({ _id: user.id });
      const res = await t.request('GET', '/api/auth/me', { token: user.token });
      expect(res.status).to.equal(401);
    });
  });

  describe('tokens follow the account', () => {
    it('refuses the token of a deleted account within 5 s, and buys nothing with it', async () => {
      const admin = await t.createUser({ role: 'admin' });
      const sale = await t.createSale(admin, { units: 10, perUserLimit: 10 });
      const user = await t.createUser();
      expect((await t.buy(user, sale.id)).status).to.equal(201);
      await userModel(t.connection).deleteOne({ _id: user.id });
      t.clock.advance(5000);
      const buy = await t.buy(user, sale.id);
      expect(buy.status).to.equal(401);
      expect(buy.body.error.code).to.equal('UNAUTHENTICATED');
      const mine = await t.request('GET', '/api/users/me/purchases', { token: user.token });
      expect(mine.status).to.equal(401);
      expect(mine.body.error.code).to.equal('UNAUTHENTICATED');
      const after = await t.request('GET', `/api/sales/${sale.id}`);
      expect(after.body.sale.sold).to.equal(1);
    });

    it('goes by the current role: 403 within 5 s of a demotion, admin within 5 s of a promotion', async () => {
      const admin = await t.createUser({ role: 'admin' });
      const user = await t.createUser();
      const create = (token: string) =>
        t.request('POST', '/api/products', { token, body: { name: 'Kettle', price: 100 } });
      expect((await create(admin.token)).status).to.equal(201);
      expect((await create(user.token)).status).to.equal(403);
      await userModel(t.connection).updateOne({ _id: admin.id }, { $set: { role: 'user' } });
      await userModel(t.connection).updateOne({ _id: user.id }, { $set: { role: 'admin' } });
      t.clock.advance(5000);
      const demoted = await create(admin.token);
      expect(demoted.status).to.equal(403);
      expect(demoted.body.error.code).to.equal('FORBIDDEN');
      expect((await create(user.token)).status).to.equal(201);
    });

    it('refuses a well-signed token without exp', async () => {
      const user = await t.createUser();
      const forever = jwt.sign({ name: user.name, role: 'user' }, t.config.jwt.key, {
        algorithm: 'HS256',
        subject: user.id,
      });
      const res = await t.request('GET', '/api/auth/me', { token: forever });
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal('UNAUTHENTICATED');
      expect((await t.request('GET', '/api/auth/me', { token: user.token })).status).to.equal(200);
    });
  });

  describe('passwords bcrypt cannot read in full', () => {
    // 36 two-byte characters: exactly the 72 bytes bcrypt reads.
    const password = 'é'.repeat(36);
    const login = (pw: string) =>
      t.request('POST', '/api/auth/login', { body: { email: 'ada72@example.com', password: pw } });
    async function medianMs(pw: string): Promise<number> {
      const times: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        await login(pw);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[1];
    }

    it('refuses at register a password over 72 bytes', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'Ada', email: 'ada73@example.com', password: `${password}x` },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    });

    it('refuses at login a password over 72 bytes exactly like a wrong one, after the same bcrypt work', async () => {
      const registered = await t.request('POST', '/api/auth/register', {
        body: { name: 'Ada', email: 'ada72@example.com', password },
      });
      expect(registered.status).to.equal(201);
      expect((await login(password)).status).to.equal(200);
      const longer = await login(`${password}anything`);
      const wrong = await login('é'.repeat(35));
      expect(longer.status).to.equal(401);
      expect(longer.body.error.code).to.equal('INVALID_CREDENTIALS');
      expect(longer.body).to.deep.equal(wrong.body);
      // A refusal without a bcrypt compare would take about a millisecond; a compare takes tens.
      const [longMs, wrongMs] = [await medianMs(`${password}x`), await medianMs('é'.repeat(35))];
      expect(longMs).to.be.greaterThan(wrongMs / 2);
    });
  });

  describe('admin from ADMIN_EMAIL / ADMIN_PASSWORD', () => {
    it('is created once even when two instances start together, and can log in', async () => {
      const credentials = { email: 'Boss@Example.com', password: 'admin password' };
      const { logger } = t.deps;
      await Promise.all([
        ensureAdmin(t.connection, credentials, logger),
        ensureAdmin(t.connection, credentials, logger),
      ]);
      await ensureAdmin(t.connection, credentials, logger);
      const admins = await userModel(t.connection).find({ email: 'boss@example.com' }).lean();
      expect(admins).to.have.length(1);
      expect(admins[0].role).to.equal('admin');
      const res = await t.request('POST', '/api/auth/login', { body: credentials });
      expect(res.status).to.equal(200);
      expect(res.body.user.role).to.equal('admin');
    });
  });
});

describe('auth rate limit', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start({ env: { AUTH_RATE_LIMIT: '3' } });
  });
  after(async () => {
    await t.stop();
  });

  it('answers 429 RATE_LIMITED with Retry-After past AUTH_RATE_LIMIT calls per minute per IP', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i += 1) {
      last = await t.request('POST', '/api/auth/login', { body: { email: 'a@b.c', password: 'whatever1' } });
      statuses.push(last.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
    expect(last!.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).to.be.within(1, 60);
  });
});
