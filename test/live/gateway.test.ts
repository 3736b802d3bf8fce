import { expect } from 'chai';
import { Types } from 'mongoose';
import { getTestDatabase, type TestDatabase } from '@flash-sale/harness';
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from '../../server/live';
import { saleModel } from '../../server/ledger/sale.model';
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

describe('live gateway (sockets against one instance)', () => {
  let db: TestDatabase;
  let server: LiveInstance;
  const clients: LiveClient[] = [];

  async function client(): Promise<LiveClient> {
    const socket = await connectClient(server.url);
    clients.push(socket);
    return socket;
  }

  before(async () => {
    db = await getTestDatabase();
    server = await startLiveInstance(db.uri, db.dbName);
  });
  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });
  after(async () => {
    await server?.close();
    await db?.stop();
  });

  describe('sale:subscribe', () => {
    it('answers with a snapshot of the sale in the contract shape', async () => {
      const saleId = await insertSale(server.connection, { units: 5 });
      const ack = await subscribe(await client(), saleId);
      expect(ack.ok).to.equal(true);
      if (!ack.ok) return;
      expect(ack.sale).to.include({
        id: saleId,
        units: 5,
        remaining: 5,
        sold: 0,
        round: 1,
        status: 'active',
        version: 1,
      });
      expect(ack.sale.product.name).to.equal('Test kettle');
      expect(Date.parse(ack.sale.serverTime)).to.be.closeTo(Date.now(), 5000);
      expect(ack.sale).to.not.have.any.keys('buyers', 'pending');
    });

    it('is right at once for a client that joins late', async () => {
      const saleId = await insertSale(server.connection, { units: 10 });
      for (let i = 0; i < 4; i += 1) await buyDirect(server.connection, saleId);
      const ack = await subscribe(await client(), saleId);
      expect(ack.ok && ack.sale).to.include({ remaining: 6, sold: 4, version: 5 });
    });

    it('answers NOT_FOUND for an unknown or malformed sale id', async () => {
      const socket = await client();
      for (const id of [
        new Types.ObjectId().toHexString(),
        'nope',
        '../../etc',
        'zzzzzzzzzzzzzzzzzzzzzzzz',
      ]) {
        const ack = await subscribe(socket, id);
        expect(ack.ok === false && ack.error.code, id).to.equal('NOT_FOUND');
      }
    });

    it('answers VALIDATION_ERROR for a payload that is not a sale id', async () => {
      const socket = await client();
      for (const payload of [42, null, { id: 'x' }, ['a'], '', 'x'.repeat(65), true]) {
        const ack = await subscribe(socket, payload);
        expect(ack.ok === false && ack.error.code, JSON.stringify(payload)).to.equal('VALIDATION_ERROR');
      }
      // No sale id at all: the ack arrives as the only argument.
      const untyped = socket as unknown as {
        timeout(ms: number): { emitWithAck(event: string): Promise<unknown> };
      };
      const missing = (await untyped.timeout(5000).emitWithAck('sale:subscribe')) as {
        error: { code: string };
      };
      expect(missing.error.code).to.equal('VALIDATION_ERROR');
    });

    it('answers an ack that comes after extra arguments', async () => {
      const saleId = await insertSale(server.connection);
      const socket = await client();
      const untyped = socket as unknown as {
        timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
      };
      const ack = (await untyped.timeout(5000).emitWithAck('sale:subscribe', saleId, { extra: true }, 7)) as {
        ok: boolean;
        sale?: { id: string };
      };
      expect(ack.ok).to.equal(true);
      expect(ack.sale?.id).to.equal(saleId);
    });

    it('survives a subscribe without an ack and keeps serving the socket', async () => {
      const saleId = await insertSale(server.connection);
      const socket = await client();
      socket.emit('sale:subscribe', saleId, undefined as never);
      (socket as unknown as { emit: (...args: unknown[]) => void }).emit('sale:subscribe');
      const ack = await subscribe(socket, saleId);
      expect(ack.ok).to.equal(true);
      expect(socket.connected).to.equal(true);
    });

    it(`bounds a connection to ${MAX_SUBSCRIPTIONS_PER_SOCKET} sales`, async () => {
      const socket = await client();
      const ids = await Promise.all(
        Array.from({ length: MAX_SUBSCRIPTIONS_PER_SOCKET + 1 }, () =>
          insertSale(server.connection, { units: 1 }),
        ),
      );
      for (const id of ids.slice(0, MAX_SUBSCRIPTIONS_PER_SOCKET))
        expect((await subscribe(socket, id)).ok).to.equal(true);
      const over = await subscribe(socket, ids[MAX_SUBSCRIPTIONS_PER_SOCKET]);
      expect(over.ok === false && over.error.code).to.equal('VALIDATION_ERROR');
      // Subscribing again to a watched sale is not a new subscription; leaving one frees a place.
      expect((await subscribe(socket, ids[0])).ok).to.equal(true);
      await socket.timeout(5000).emitWithAck('sale:unsubscribe', ids[0]);
      expect((await subscribe(socket, ids[MAX_SUBSCRIPTIONS_PER_SOCKET])).ok).to.equal(true);
    });

    it(`answers RATE_LIMITED, not VALIDATION_ERROR, past ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscribes in flight`, async () => {
      const socket = await client();
      const saleId = await insertSale(server.connection, { units: 1 });
      // Sent in one burst: the server takes them all before the first snapshot read answers.
      const burst = MAX_SUBSCRIPTIONS_PER_SOCKET * 2;
      const acks = await Promise.all(Array.from({ length: burst }, () => subscribe(socket, saleId)));
      const refused = acks.flatMap((a) => (a.ok ? [] : [a.error.code]));
      expect(refused.length).to.be.greaterThan(0);
      expect(new Set(refused)).to.deep.equal(new Set(['RATE_LIMITED']));
      expect(acks.filter((a) => a.ok).length).to.be.at.least(MAX_SUBSCRIPTIONS_PER_SOCKET);
      expect((await subscribe(socket, saleId)).ok).to.equal(true);
    });
  });

  describe('sale:update', () => {
    it('pushes a purchase made on the database to the subscribers', async () => {
      const saleId = await insertSale(server.connection, { units: 3 });
      const socket = await client();
      const updates = recordUpdates(socket);
      await subscribe(socket, saleId);
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => updates.some((u) => u.version === 2))).to.equal(true);
      const last = updates[updates.length - 1];
      expect(last).to.include({
        saleId,
        round: 1,
        units: 3,
        remaining: 2,
        sold: 1,
        status: 'active',
        version: 2,
      });
      expect(Date.parse(last.at)).to.be.closeTo(Date.now(), 5000);
      expect(Object.keys(last).sort()).to.deep.equal(
        ['at', 'remaining', 'round', 'saleId', 'sold', 'status', 'units', 'version'].sort(),
      );
    });

    it('sends updates in version order, folds a rush, and ends on the final state', async () => {
      const units = 300;
      const saleId = await insertSale(server.connection, { units });
      const sockets = await Promise.all([client(), client(), client()]);
      const seen = sockets.map(recordUpdates);
      for (const socket of sockets) await subscribe(socket, saleId);
      // 250 purchases in parallel, then 60 more than there is stock (they must fail).
      const results = await Promise.all(
        Array.from({ length: units + 10 }, () => buyDirect(server.connection, saleId)),
      );
      expect(results.filter(Boolean)).to.have.length(units);
      const finalVersion = 1 + units;
      for (const updates of seen) {
        expect(await eventually(() => updates.at(-1)?.version === finalVersion)).to.equal(true);
        const versions = updates.map((u) => u.version);
        expect(versions).to.deep.equal([...versions].sort((a, b) => a - b));
        expect(new Set(versions).size).to.equal(versions.length);
        expect(updates.length, 'folded into fewer updates than changes').to.be.lessThan(units);
        expect(updates.at(-1)).to.include({ remaining: 0, sold: units, status: 'sold_out' });
        for (const u of updates) expect(u.remaining + u.sold).to.equal(units);
      }
      await sleep(200);
      for (const updates of seen) expect(updates.at(-1)?.version).to.equal(finalVersion);
    });

    it('stops after sale:unsubscribe', async () => {
      const saleId = await insertSale(server.connection, { units: 10 });
      const socket = await client();
      const updates = recordUpdates(socket);
      await subscribe(socket, saleId);
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => updates.length === 1)).to.equal(true);
      const ack = await socket.timeout(5000).emitWithAck('sale:unsubscribe', saleId);
      expect(ack).to.deep.equal({ ok: true });
      // A witness still subscribed proves the next purchase was pushed.
      const witness = await client();
      const witnessed = recordUpdates(witness);
      await subscribe(witness, saleId);
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => witnessed.some((u) => u.version === 3))).to.equal(true);
      await sleep(100);
      expect(updates.map((u) => u.version)).to.deep.equal([2]);
    });

    it('does not push changes that clients cannot see (outbox drains)', async () => {
      const saleId = await insertSale(server.connection, { units: 10 });
      const socket = await client();
      const updates = recordUpdates(socket);
      await subscribe(socket, saleId);
      await saleModel(server.connection).collection.updateOne(
        { _id: new Types.ObjectId(saleId) },
        { $set: { 'pending.x': { round: 1 } }, $currentDate: { updatedAt: true } },
      );
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => updates.length > 0)).to.equal(true);
      await sleep(100);
      expect(updates.map((u) => u.version)).to.deep.equal([2]);
    });

    it('pushes a new round with its reset stock', async () => {
      const saleId = await insertSale(server.connection, { units: 2 });
      const socket = await client();
      const updates = recordUpdates(socket);
      await subscribe(socket, saleId);
      await buyDirect(server.connection, saleId);
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => updates.at(-1)?.status === 'sold_out')).to.equal(true);
      expect(server.live.isSoldOut(saleId, 1)).to.equal(true);
      const startsAt = new Date(Date.now() + 60_000);
      await saleModel(server.connection).collection.updateOne(
        { _id: new Types.ObjectId(saleId) },
        { $set: { round: 2, remaining: 2, sold: 0, orders: 0, buyers: {}, startsAt }, $inc: { version: 1 } },
      );
      expect(await eventually(() => updates.at(-1)?.round === 2)).to.equal(true);
      expect(updates.at(-1)).to.include({ round: 2, remaining: 2, sold: 0, status: 'scheduled', version: 4 });
      expect(server.live.isSoldOut(saleId, 1)).to.equal(false);
      expect(server.live.isSoldOut(saleId, 2)).to.equal(false);
    });
  });

  describe('isSoldOut', () => {
    it('is true only for the exact round at zero, as the stream reports it', async () => {
      const saleId = await insertSale(server.connection, { units: 1 });
      expect(await eventually(() => !server.live.isSoldOut(saleId, 1))).to.equal(true);
      await buyDirect(server.connection, saleId);
      expect(await eventually(() => server.live.isSoldOut(saleId, 1))).to.equal(true);
      expect(server.live.isSoldOut(saleId, 2)).to.equal(false);
      expect(server.live.isSoldOut(new Types.ObjectId().toHexString(), 1)).to.equal(false);
    });
  });
});
