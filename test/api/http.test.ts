import { expect } from 'chai';
import { TestApp } from '../helpers/app';

describe('HTTP layer', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.stop();
  });

  describe('health', () => {
    it('GET /healthz is 200 and GET /readyz is 200 while the database answers', async () => {
      expect((await t.request('GET', '/healthz')).status).to.equal(200);
      const ready = await t.request('GET', '/readyz');
      expect(ready.status).to.equal(200);
    });
  });

  describe('unknown routes', () => {
    it('are 404 NOT_FOUND in the error shape', async () => {
      for (const [method, path] of [
        ['GET', '/api/nope'],
        ['DELETE', '/api/nothing/here'],
        ['GET', '/api/sales/0123456789abcdef01234567/nothing'],
      ]) {
        const res = await t.request(method, path);
        expect(res.status, path).to.equal(404);
        expect(res.body.error.code).to.equal('NOT_FOUND');
      }
    });
  });

  describe('bodies', () => {
    it('answers malformed JSON with 400 VALIDATION_ERROR', async () => {
      const res = await t.request('POST', '/api/auth/login', { raw: '{"email": ' });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.request('POST', '/api/auth/register', {
        body: { name: 'x'.repeat(40_000), email: 'big@example.com', password: 'longenough' },
      });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('never leaks a stack trace', async () => {
      const res = await t.request('POST', '/api/auth/login', { raw: '{"email": "a", ]' });
      expect(res.text).not.to.match(/at .*\.(ts|js):\d+|node_modules|SyntaxError/);
      expect(Object.keys(res.body.error)).to.have.members(['code', 'message']);
    });
  });

  describe('demo page', () => {
    it('is served at / with the Socket.IO client next to it', async () => {
      const page = await t.request('GET', '/');
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/text\/html/);
      const client = await t.request('GET', '/socket.io/socket.io.js');
      expect(client.status).to.equal(200);
    });
  });

  describe('headers', () => {
    it('sets helmet headers and hides the framework', async () => {
      const res = await t.request('GET', '/healthz');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('content-security-policy')).to.be.a('string');
      expect(res.headers.get('x-powered-by')).to.equal(null);
    });
  });
});
