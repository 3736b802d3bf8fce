import { expect } from 'chai';
import { getTestDatabase, type TestDatabase } from '@flash-sale/harness';
import {
  buyDirect,
  connectClient,
  eventually,
  insertSale,
  recordUpdates,
  sleep,
  startLiveInstance,
  subscribe,
  type LiveClient,
  type LiveInstance,
} from './harness';

describe('live gateway across instances and stream failures', () => {
  let db: TestDatabase;
  let a: LiveInstance;
  let b: LiveInstance;
  const clients: LiveClient[] = [];

  before(async () => {
    db = await getTestDatabase();
    [a, b] = await Promise.all([startLiveInstance(db.uri, db.dbName), startLiveInstance(db.uri, db.dbName)]);
  });
  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.stop();
  });

  async function watch(instance: LiveInstance, saleId: string) {
    const socket = await connectClient(instance.url);
    clients.push(socket);
    const updates = recordUpdates(socket);
    const ack = await subscribe(socket, saleId);
    expect(ack.ok).to.equal(true);
    return updates;
  }

  describe('two instances on one database', () => {
    it('a socket on one sees every purchase made through the other, down to the final state', async () => {
      const units = 120;
      const saleId = await insertSale(a.connection, { units });
      const onA = await watch(a, saleId);
      const onB = await watch(b, saleId);
      // Every purchase goes through instance B's connection; A only has its own change stream.
      const results = await Promise.all(
        Array.from({ length: units + 5 }, () => buyDirect(b.connection, saleId)),
      );
      expect(results.filter(Boolean)).to.have.length(units);
      for (const updates of [onA, onB]) {
        expect(await eventually(() => updates.at(-1)?.version === units + 1)).to.equal(true);
        expect(updates.at(-1)).to.include({ remaining: 0, sold: units, status: 'sold_out' });
        const versions = updates.map((u) => u.version);
        expect(versions).to.deep.equal([...versions].sort((x, y) => x - y));
      }
      expect(await eventually(() => a.live.isSoldOut(saleId, 1) && b.live.isSoldOut(saleId, 1))).to.equal(
        true,
      );
    });
  });

  describe('when the change stream cursor is killed mid-sale', () => {
    it('resumes and the clients converge to the true state', async function () {
      if (!db.faults) this.skip(); // a real MongoDB has no fault hooks
      const units = 150;
      const saleId = await insertSale(a.connection, { units });
      const onA = await watch(a, saleId);
      const onB = await watch(b, saleId);
      let killed = 0;
      const buyers = Array.from({ length: units }, async (_, i) => {
        await sleep(i % 50);
        return buyDirect(a.connection, saleId);
      });
      // Kill every cursor (both instances' change streams) three times while the purchases land.
      for (let i = 0; i < 3; i += 1) {
        await sleep(15);
        killed += db.faults!.killCursors();
      }
      expect((await Promise.all(buyers)).filter(Boolean)).to.have.length(units);
      expect(killed).to.be.greaterThan(0);
      for (const updates of [onA, onB]) {
        expect(await eventually(() => updates.at(-1)?.version === units + 1, 10_000)).to.equal(true);
        expect(updates.at(-1)).to.include({ remaining: 0, sold: units });
        const versions = updates.map((u) => u.version);
        expect(versions).to.deep.equal([...versions].sort((x, y) => x - y));
      }
    });
  });
});
