import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openConnection } from '../../server/db/connect';
import { start, type EmbeddedMongo } from '@flash-sale/embedded-mongo';
import { createLogger } from '../../server/logger';
import { TestClock } from '@flash-sale/harness/app';

/** Fault injection needs a database of its own: the embedded server, never a shared or external one. */
describe('database outage', function () {
  this.timeout(30_000);
  let server: EmbeddedMongo;
  let app: App;
  let baseUrl: string;
  let close: () => Promise<void>;

  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    server = await start({});
    const connection = await openConnection(server.uri, 'outage');
    const logger = createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS });
    app = await createApp({
      config: loadConfig({ NODE_ENV: 'test' }),
      connection,
      logger,
      clock: new TestClock(),
      jobs: false,
    });
    await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
    close = async () => {
      await app.close();
      await connection.close();
      await server.stop();
    };
  });
  after(async () => {
    await close?.();
  });

  it('answers 503 fast while the database is unreachable, and recovers', async () => {
    expect((await fetch(`${baseUrl}/readyz`)).status).to.equal(200);
    server.faults.refuseConnections(6000);
    server.faults.dropConnections();

    const started = Date.now();
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).to.equal(503);
    expect(Date.now() - started).to.be.below(2000);

    const apiStarted = Date.now();
    const res = await fetch(`${baseUrl}/api/sales`);
    expect(res.status).to.equal(503);
    expect((await res.json()).error.code).to.equal('SERVICE_UNAVAILABLE');
    expect(Date.now() - apiStarted).to.be.below(4000);
    expect((await fetch(`${baseUrl}/healthz`)).status).to.equal(200);

    // Once the database accepts connections again, so does the app (bounded wait).
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${baseUrl}/api/sales`)).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).to.equal(200);
  });
});
