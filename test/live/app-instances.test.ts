import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApp, type App } from '../../server/app';
import { openConnection } from '../../server/db/connect';
import { createLogger } from '../../server/logger';
import type { Connection } from 'mongoose';
import { TestApp, type TestUser } from '@flash-sale/harness/app';
import { getTestDatabase } from '@flash-sale/harness';
import { connectClient, eventually, recordUpdates, sleep, subscribe, type LiveClient } from './harness';

/** A second app on the first one's database, with the same config (so the same token key) and clock. */
async function secondInstance(first: TestApp): Promise<{ url: string; app: App; connection: Connection }> {
  const { uri } = await getTestDatabase();
  const connection = await openConnection(uri, first.connection.name);
  const logger = createLogger({ level: 'error', json: false, silent: true });
  const app = await createApp({ config: first.config, connection, logger, clock: first.clock, jobs: false });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const { port } = app.http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, connection };
}

describe('live stock through the full app (REST purchases, two instances)', () => {
  let first: TestApp;
  let second: Awaited<ReturnType<typeof secondInstance>>;
  let admin: TestUser;
  const clients: LiveClient[] = [];

  async function watch(url: string, saleId: string) {
    const socket = await connectClient(url);
    clients.push(socket);
    const updates = recordUpdates(socket);
    const ack = await subscribe(socket, saleId);
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    return updates;
  }

  before(async () => {
    first = await TestApp.start();
    second = await secondInstance(first);
    admin = await first.createUser({ role: 'admin' });
  });
  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });
  after(async () => {
    await second?.app.close();
    await second?.connection.close();
    await first?.stop();
  });

  it('ends every subscriber on the final state after a rush of parallel purchases', async () => {
    const units = 200;
    const sale = await first.createSale(admin, { units });
    const buyers = await first.createUsers(units + 40);
    const local = await watch(first.baseUrl, sale.id);
    const remote = await watch(second.url, sale.id);
    // All purchases go through the second instance; `remote` is on it, `local` only sees the change stream.
    const answers = await Promise.all(
      buyers.map((user) =>
        fetch(`${second.url}/api/sales/${sale.id}/purchases`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
          body: '{}',
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).to.have.length(units);
    const final = (await first.request('GET', `/api/sales/${sale.id}`)).body.sale;
    expect(final).to.include({ remaining: 0, sold: units });
    for (const updates of [local, remote]) {
      expect(await eventually(() => updates.at(-1)?.version === final.version, 5000)).to.equal(true);
      expect(updates.at(-1)).to.include({
        remaining: 0,
        sold: units,
        status: 'sold_out',
        round: final.round,
      });
      const versions = updates.map((u) => u.version);
      expect(versions).to.deep.equal([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).to.equal(versions.length);
    }
    await sleep(150);
    expect(local.at(-1)?.version).to.equal(final.version);
  });

  it('refuses purchases on a sold-out round with SOLD_OUT on both instances', async () => {
    const sale = await first.createSale(admin, { units: 1 });
    const [winner, late] = await first.createUsers(2);
    expect((await first.buy(winner, sale.id)).status).to.equal(201);
    for (const base of [first.baseUrl, second.url]) {
      const response = await fetch(`${base}/api/sales/${sale.id}/purchases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${late.token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).to.equal(409);
      expect(((await response.json()) as { error: { code: string } }).error.code).to.equal('SOLD_OUT');
    }
  });
});
