import { expect } from 'chai';
import type { EmbeddedMongo } from '@flash-sale/embedded-mongo';
import { startRig, type FaultRig } from '../faults/harness';

/** Fault injection needs a database of its own: the embedded server, never a shared or external one. */
describe('database outage', function () {
  this.timeout(30_000);
  let rig: FaultRig | undefined;
  let server: EmbeddedMongo;
  let baseUrl: string;

  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    rig = await startRig({ jobs: false });
    server = rig.db;
    baseUrl = rig.url;
  });
  after(async () => {
    await rig?.close();
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
