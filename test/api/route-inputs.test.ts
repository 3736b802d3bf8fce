import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { Router } from 'express';
import Joi from 'joi';
import { createLogger } from '../../server/logger';
import { errorHandler } from '../../server/http/error-handler';
import { defineRoute, mountRoute } from '../../server/http/route';

/** A route whose joi schemas count how often they run (a custom rule on every part). */
function countingRoute(counts: Record<'params' | 'query' | 'headers', number>) {
  const counted = (part: keyof typeof counts) => (value: unknown) => {
    counts[part] += 1;
    return value;
  };
  return defineRoute({
    method: 'get',
    path: '/things/:id',
    operationId: 'thing',
    summary: 'A thing',
    tag: 'test',
    access: 'public',
    database: false,
    request: {
      params: Joi.object({ id: Joi.string().pattern(/^\d+$/).required() }).custom(counted('params')),
      query: Joi.object({ limit: Joi.number().integer().min(1).default(10) }).custom(counted('query')),
      headers: Joi.object({ 'X-Mode': Joi.string().valid('a', 'b') }).custom(counted('headers')),
    },
    ok: { status: 200, description: 'the inputs', schema: { type: 'object' } },
  });
}

describe('route inputs (validated once per distinct text)', () => {
  const counts = { params: 0, query: 0, headers: 0 };
  let server: Server;
  let base: string;
  const seen: unknown[] = [];
  before(async () => {
    const app = express();
    const router = Router();
    mountRoute(router, countingRoute(counts), {
      handle(input, _req, res) {
        seen.push(input);
        res.json({ params: input.params, query: input.query, headers: input.headers });
      },
    });
    app.use(router);
    app.use(errorHandler(createLogger({ level: 'error', json: false, silent: true })));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers a repeated request with the inputs validated the first time, and joi runs once', async () => {
    const first = await get('/things/7?limit=3', { 'x-mode': 'a' });
    expect(first).to.deep.equal({
      status: 200,
      body: { params: { id: '7' }, query: { limit: 3 }, headers: { 'X-Mode': 'a' } },
    });
    const before = { ...counts };
    for (let i = 0; i < 5; i += 1)
      expect(await get('/things/7?limit=3', { 'x-mode': 'a' })).to.deep.equal(first);
    expect(counts).to.deep.equal(before);
    // Shared by every request that sends the same text, so frozen.
    expect(Object.isFrozen((seen.at(-1) as { query: object }).query)).to.equal(true);
  });

  it('validates each different text: another id, query or header value', async () => {
    const before = { ...counts };
    expect((await get('/things/8?limit=3', { 'x-mode': 'a' })).body.params).to.deep.equal({ id: '8' });
    expect((await get('/things/7?limit=4', { 'x-mode': 'a' })).body.query).to.deep.equal({ limit: 4 });
    expect((await get('/things/7?limit=3', { 'x-mode': 'b' })).body.headers).to.deep.equal({ 'X-Mode': 'b' });
    expect(counts).to.deep.equal({
      params: before.params + 1,
      query: before.query + 1,
      headers: before.headers + 1,
    });
  });

  it('never remembers a refusal: the same bad input is refused every time', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await get('/things/x')).status).to.equal(404);
      const bad = await get('/things/7?limit=0');
      expect(bad.status).to.equal(400);
      expect((await get('/things/7', { 'x-mode': 'c' })).status).to.equal(400);
    }
  });
});
