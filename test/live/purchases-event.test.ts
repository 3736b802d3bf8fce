import { expect } from 'chai';
import { COALESCE_WINDOW_MS, type PurchasesBatch } from '../../server/live';
import { RunningClock, TestApp, type TestUser } from '@flash-sale/harness/app';
import { readBoard } from '../ledger/board';
import { connectClient, eventually, sleep, subscribe, type LiveClient } from './harness';

/** A socket's `sale:purchases` batches, in arrival order. */
function recordPurchases(socket: LiveClient): PurchasesBatch[] {
  const batches: PurchasesBatch[] = [];
  socket.on('sale:purchases', (batch) => batches.push(batch));
  return batches;
}

describe('live leaderboard: sale:purchases', () => {
  let t: TestApp;
  let behind: TestApp;
  let admin: TestUser;
  const sockets: LiveClient[] = [];
  before(async () => {
    t = await TestApp.start({ clock: new RunningClock() });
    // A second instance whose clock is 3 s behind: its purchases take the previous purchase's time.
    behind = await t.addInstance(new RunningClock(-3000));
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await behind.stop();
    await t.stop();
  });

  it('brings every buyer of the round to every subscriber of every instance, once, in position order', async () => {
    const sale = await t.createSale(admin, {
      units: 120,
      perOrderLimit: 2,
      perUserLimit: 2,
      startsAt: new Date(Date.now() - 10_000).toISOString(),
    });
    const watchers = await Promise.all(
      [t, behind, t].map(async (instance) => {
        const socket = await connectClient(instance.baseUrl);
        sockets.push(socket);
        const batches = recordPurchases(socket);
        expect((await subscribe(socket, sale.id)).ok).to.equal(true);
        return batches;
      }),
    );
    const buyers = await t.createUsers(100);
    const answers = await Promise.all(
      buyers.map((buyer, i) => (i % 2 === 0 ? t : behind).buy(buyer, sale.id, { quantity: 1 + (i % 2) })),
    );
    const sold = answers
      .filter((a) => a.status === 201)
      .reduce((sum, a) => sum + a.body.purchase.quantity, 0);
    expect(sold).to.equal(120);
    const board = await readBoard(t, sale.id, 1);
    for (const batches of watchers) {
      const all = () => batches.flatMap((batch) => batch.items).length === board.length;
      expect(await eventually(all)).to.equal(true);
      for (const batch of batches) expect(batch).to.include({ saleId: sale.id, round: 1 });
      const items = batches.flatMap((batch) => batch.items);
      expect(items).to.deep.equal(board);
    }
  });

  it('starts a new round with its own positions', async () => {
    const sale = await t.createSale(admin, {
      units: 5,
      startsAt: new Date(Date.now() - 10_000).toISOString(),
    });
    const socket = await connectClient(t.baseUrl);
    sockets.push(socket);
    const batches = recordPurchases(socket);
    expect((await subscribe(socket, sale.id)).ok).to.equal(true);
    const [a, b] = await t.createUsers(2);
    expect((await t.buy(a, sale.id)).status).to.equal(201);
    const opened = await t.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: new Date(Date.now() - 1000).toISOString(), force: true },
    });
    expect(opened.status).to.equal(201);
    expect((await t.buy(b, sale.id)).status).to.equal(201);
    expect(await eventually(() => batches.flatMap((batch) => batch.items).length === 2)).to.equal(true);
    expect(batches.map((batch) => [batch.round, batch.items.map((item) => item.position)])).to.deep.equal([
      [1, [1]],
      [2, [1]],
    ]);
    expect(batches[1].items[0].user).to.deep.equal({ id: b.id, name: b.name });
  });

  it("sends a purchase's stock (sale:update) before its board rows (sale:purchases)", async () => {
    const sale = await t.createSale(admin, {
      units: 10,
      startsAt: new Date(Date.now() - 10_000).toISOString(),
    });
    const socket = await connectClient(t.baseUrl);
    sockets.push(socket);
    const arrivals: string[] = [];
    socket.on('sale:update', (update) => arrivals.push(`update ${update.remaining}`));
    socket.on('sale:purchases', (batch) =>
      arrivals.push(`purchases ${batch.items.map((i) => i.position).join()}`),
    );
    expect((await subscribe(socket, sale.id)).ok).to.equal(true);
    const buyers = await t.createUsers(3);
    for (const [i, buyer] of buyers.entries()) {
      // One purchase at a time, each after a quiet window: each goes out at once, on its own, not folded.
      await sleep(2 * COALESCE_WINDOW_MS);
      expect((await t.buy(buyer, sale.id)).status).to.equal(201);
      expect(await eventually(() => arrivals.length === 2 * (i + 1))).to.equal(true);
    }
    expect(arrivals).to.deep.equal([
      'update 9',
      'purchases 1',
      'update 8',
      'purchases 2',
      'update 7',
      'purchases 3',
    ]);
  });
});
