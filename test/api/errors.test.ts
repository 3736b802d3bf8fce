import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import Joi from 'joi';
import { Error as MongooseError, mongo } from 'mongoose';
import { AppError, ERROR_STATUS } from '../../server/errors';
import { errorHandler, notFound } from '../../server/http/error-handler';
import { createLogger } from '../../server/logger';

/** The error handler alone, behind routes that throw what the app's layers can throw. */
describe('error handler', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = express();
    app.use(express.json({ limit: '1kb' }));
    app.post('/echo', (req, res) => {
      res.json(req.body);
    });
    app.get('/boom', () => {
      throw new Error('secret internals at /srv/app.js:12');
    });
    app.get('/cast', () => {
      throw new MongooseError.CastError('ObjectId', 'zzz', '_id');
    });
    app.get('/network', () => {
      throw new mongo.MongoNetworkError('connection reset');
    });
    app.get('/selection', async () => {
      throw new mongo.MongoServerSelectionError('no primary', {} as never);
    });
    app.get('/joi', () => {
      throw Joi.object({ a: Joi.number() }).validate({ a: 'x', b: 1 }, { abortEarly: false }).error;
    });
    app.get('/app', () => {
      throw new AppError('INSUFFICIENT_STOCK', { details: { remaining: 2 } });
    });
    app.use(notFound);
    app.use(errorHandler(createLogger({ level: 'error', json: false, silent: true })));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, text: await res.text() };
  };

  it('maps an unexpected error to 500 INTERNAL_ERROR without internals', async () => {
    const res = await get('/boom');
    expect(res.status).to.equal(500);
    expect(JSON.parse(res.text)).to.deep.equal({
      error: { code: 'INTERNAL_ERROR', message: 'Internal error' },
    });
    expect(res.text).not.to.include('secret');
  });

  it('maps a CastError to 404, unreachable databases to 503, joi errors to 400 with details', async () => {
    expect(JSON.parse((await get('/cast')).text).error.code).to.equal('NOT_FOUND');
    for (const path of ['/network', '/selection']) {
      const res = await get(path);
      expect(res.status, path).to.equal(503);
      expect(JSON.parse(res.text).error.code).to.equal('SERVICE_UNAVAILABLE');
    }
    const joi = await get('/joi');
    expect(joi.status).to.equal(400);
    expect(JSON.parse(joi.text).error.details).to.deep.equal([
      { path: 'a', message: '"a" must be a number', type: 'number.base' },
      { path: 'b', message: '"b" is not allowed', type: 'object.unknown' },
    ]);
  });

  it('keeps an AppError as it is, with its details', async () => {
    const res = await get('/app');
    expect(res.status).to.equal(409);
    expect(JSON.parse(res.text).error).to.deep.include({
      code: 'INSUFFICIENT_STOCK',
      details: { remaining: 2 },
    });
  });

  it('maps body-parser failures: malformed JSON 400, too large 413', async () => {
    const post = (body: string) =>
      fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post('{"a":')).status).to.equal(400);
    const big = await post(JSON.stringify({ a: 'x'.repeat(2000) }));
    expect(big.status).to.equal(413);
    expect((await big.json()).error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('has a status for every code of the contract', () => {
    expect(Object.keys(ERROR_STATUS)).to.have.length(19);
    expect(new AppError('ROUND_IN_PROGRESS').status).to.equal(409);
  });
});
