import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import helmet from 'helmet';
import { buildOpenApiDocument, openapiRouter } from '../../server/openapi';

describe('openapiRouter', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const app = express();
    app.use(helmet());
    app.use(openapiRouter());
    app.use((_req, res) => {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such route' } });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the document built by buildOpenApiDocument', async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('redirects /api/docs to /api/docs/ and keeps the query string', async () => {
    const res = await fetch(`${base}/api/docs?a=1?b`, { redirect: 'manual' });
    expect(res.status).to.equal(301);
    expect(res.headers.get('location')).to.equal('/api/docs/?a=1?b');
  });

  it('answers only reads: other methods fall through to the 404', async () => {
    const page = await fetch(`${base}/api/docs/`);
    expect(page.status).to.equal(200);
    await page.text();
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/api/docs/`, { method });
      expect(res.status, method).to.equal(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('NOT_FOUND');
    }
  });

  it('does not serve the package manifest of the UI assets', async () => {
    const res = await fetch(`${base}/api/docs/package.json`);
    expect(res.status).to.equal(404);
    await res.text();
  });
});
