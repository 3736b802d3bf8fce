import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { demoStart, ApiClient, registerBuyers } from '@flash-sale/crowd';

/** A register endpoint that answers 429 (Retry-After: 1) to calls `from` to `to`, like a full rate-limit window. */
async function limitedServer(from: number, to: number) {
  const app = express();
  app.use(express.json());
  let calls = 0;
  const names: string[] = [];
  app.post('/api/auth/register', (req, res) => {
    calls += 1;
    if (calls >= from && calls <= to) {
      res
        .set('Retry-After', '1')
        .status(429)
        .json({ error: { code: 'RATE_LIMITED', message: 'slow down' } });
      return;
    }
    names.push(req.body.name);
    res.status(201).json({ user: { id: `u${calls}`, name: req.body.name }, token: `t${calls}` });
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    names,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('registerBuyers', function () {
  this.timeout(20_000);

  describe('when the auth rate limit answers 429 with Retry-After', () => {
    it('pauses as told, then registers every buyer', async () => {
      const server = await limitedServer(6, 8);
      try {
        const pauses: number[] = [];
        const started = Date.now();
        const buyers = await registerBuyers({
          client: new ApiClient(server.url),
          count: 12,
          concurrency: 3,
          onRateLimited: (waitMs) => pauses.push(waitMs),
        });
        expect(buyers).to.have.length(12);
        expect(pauses).to.have.length(1);
        expect(pauses[0]).to.be.within(900, 1000);
        expect(Date.now() - started).to.be.at.least(900);
        // Each 429 is retried for the same buyer: no more calls than buyers plus refusals.
        expect(server.calls()).to.equal(12 + 3);
      } finally {
        await server.close();
      }
    });

    it('gives up naming AUTH_RATE_LIMIT once the wait would pass its budget', async () => {
      const server = await limitedServer(3, 1000);
      try {
        const error = await registerBuyers({
          client: new ApiClient(server.url),
          count: 5,
          concurrency: 2,
          rateLimitWaitMs: 0,
        }).then(
          () => null,
          (e: Error) => e,
        );
        expect(error?.message)
          .to.match(/429 RATE_LIMITED after 2 of 5 buyers/)
          .and.match(/AUTH_RATE_LIMIT/);
      } finally {
        await server.close();
      }
    });
  });

  describe('names', () => {
    it('are readable and distinct', async () => {
      const server = await limitedServer(0, 0);
      try {
        const buyers = await registerBuyers({ client: new ApiClient(server.url), count: 45, concurrency: 4 });
        const names = buyers.map((b) => b.name);
        expect(new Set(names).size).to.equal(45);
        expect(names).to.include.members([
          'Ada Lovelace 1',
          'Grace Hopper 1',
          'Ada Lovelace 2',
          'Ada Lovelace 3',
        ]);
        for (const name of names) expect(name).to.match(/^[A-Z][\p{L}.' -]+ \d+$/u);
      } finally {
        await server.close();
      }
    });
  });
});

describe('demoStart', () => {
  const at = (iso: string) => Date.parse(iso);

  it('starts after the asked delay, in whole seconds', () => {
    expect(demoStart(at('2026-12-03T10:01:10.300Z'), 25).toISOString()).to.equal('2026-12-03T10:01:36.000Z');
  });

  it('moves past a schedule firing that would come less than a minute into round 1', () => {
    expect(demoStart(at('2026-12-03T10:04:10.000Z'), 25).toISOString()).to.equal('2026-12-03T10:05:01.000Z');
    expect(demoStart(at('2026-12-03T10:03:30.000Z'), 25).toISOString()).to.equal('2026-12-03T10:03:55.000Z');
  });
});
