import { expect } from 'chai';
import { Types } from 'mongoose';
import { TestApp, type TestUser } from '@flash-sale/harness/app';
import { AppError } from '../../server/errors';
import { SaleLedger, salesReader, type Sale } from '../../server/ledger';
import { purchasesCollection } from '../../server/purchases/purchases.collection';
import {
  PurchaseService,
  type PurchaseAnswer,
  type PurchaseRequest,
} from '../../server/purchases/purchases.service';
import { SaleDirectory, type SaleInfo } from '../../server/sales/sale-directory';
import { stateFromDocument } from '../../server/live/sale-state';
import { StockCache } from '../../server/live/stock-cache';

/** A directory that remembers every read as if made `ageMs` ago: the sold-out fast path no longer trusts it. */
class AgedDirectory extends SaleDirectory {
  constructor(
    connection: TestApp['connection'],
    private readonly ageMs: number,
  ) {
    super(connection);
  }
  override remember(idHex: string, doc: Parameters<SaleDirectory['remember']>[1]): SaleInfo {
    const info = super.remember(idHex, doc);
    info.seenAt = Date.now() - this.ageMs;
    return info;
  }
}

/** A directory always one round behind the database: as if a round opened between every read and every update. */
class LaggingDirectory extends SaleDirectory {
  reads = 0;
  override remember(idHex: string, doc: Parameters<SaleDirectory['remember']>[1]): SaleInfo {
    this.reads += 1;
    const info = super.remember(idHex, doc);
    info.round = doc.round - 1;
    return info;
  }
}

/** The refusal `promise` ends with (fails the test when it succeeds or throws anything else). */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal, got an answer');
}

/**
 * The purchase service's decisions, called directly (no HTTP) against the test database: why a refused update is
 * refused (explain), a stale round re-read (retry), a repeated key answered with its first purchase (replay), and
 * the sold-out fast path. test/api/purchases.test.ts covers the same rules end to end.
 */
describe('PurchaseService: decisions against the database', function () {
  this.timeout(30_000);
  let t: TestApp;
  let admin: TestUser;
  let users: TestUser[];
  let ledger: SaleLedger;
  const services: PurchaseService[] = [];

  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
    users = await t.createUsers(6);
    ledger = new SaleLedger(t.connection);
  });
  after(async () => {
    for (const service of services) await service.close();
    await t?.stop();
  });

  function serviceWith(
    options: { directory?: SaleDirectory; soldOut?: (round: number) => boolean; cache?: StockCache } = {},
  ) {
    const written: string[] = [];
    const { cache } = options;
    const service = new PurchaseService({
      ...t.deps,
      directory: options.directory ?? new SaleDirectory(t.connection),
      isSoldOut: (saleHex, round) => cache?.isSoldOut(saleHex, round) ?? options.soldOut?.(round) ?? false,
      noteSoldOut: (saleHex, round) => cache?.noteSoldOut(saleHex, round),
      onPurchasesWritten: (saleHex) => written.push(saleHex),
    });
    services.push(service);
    return { service, written };
  }

  function request(user: TestUser, saleId: string, quantity = 1, idempotencyKey?: string): PurchaseRequest {
    return {
      buyer: { id: user.id, name: user.name, role: 'user' },
      saleId: new Types.ObjectId(saleId),
      saleHex: saleId,
      quantity,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    };
  }

  async function saleDoc(saleId: string): Promise<Sale> {
    const sale = await salesReader(t.connection).findOne({ _id: new Types.ObjectId(saleId) });
    if (!sale) throw new Error(`no sale ${saleId}`);
    return sale as Sale;
  }

  /** Puts stock back into the current round behind the service's back: no purchase can do that. */
  async function restock(saleId: string, remaining: number): Promise<void> {
    await t.connection
      .db!.collection('sales')
      .updateOne({ _id: new Types.ObjectId(saleId) }, { $set: { remaining } });
  }

  async function openNextRound(saleId: string): Promise<void> {
    const now = t.clock.now();
    await ledger.openRound(new Types.ObjectId(saleId), { startsAt: now, force: true, receivedAt: now }, now);
  }

  describe('before the update', () => {
    it('refuses an unknown sale and a quantity over the per-order limit, and writes nothing', async () => {
      const { service, written } = serviceWith();
      const unknown = await refusal(service.buy(request(users[0], new Types.ObjectId().toHexString())));
      expect(unknown.code).to.equal('NOT_FOUND');

      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 4 });
      const tooMany = await refusal(service.buy(request(users[0], sale.id, 3)));
      expect(tooMany.code).to.equal('ORDER_LIMIT_EXCEEDED');
      expect(tooMany.details).to.deep.equal({ perOrderLimit: 2 });
      expect((await saleDoc(sale.id)).remaining).to.equal(10);
      expect(written).to.deep.equal([]);
    });
  });

  describe('explain: a refused update answered with the rule that refused it', () => {
    it('SALE_NOT_STARTED with the start, and the sale untouched', async () => {
      const startsAt = new Date(t.clock.now().getTime() + 60_000);
      const sale = await t.createSale(admin, { units: 5, startsAt: startsAt.toISOString() });
      const { service } = serviceWith();
      const early = await refusal(service.buy(request(users[0], sale.id)));
      expect(early.code).to.equal('SALE_NOT_STARTED');
      expect(early.details).to.deep.equal({ startsAt: startsAt.toISOString() });
      const doc = await saleDoc(sale.id);
      expect([doc.remaining, doc.sold, doc.orders]).to.deep.equal([5, 0, 0]);
    });

    it('INSUFFICIENT_STOCK with what remains, then SOLD_OUT once nothing does', async () => {
      const sale = await t.createSale(admin, { units: 3, perOrderLimit: 2, perUserLimit: 2 });
      const { service, written } = serviceWith();
      expect((await service.buy(request(users[0], sale.id, 2))).remaining).to.equal(1);
      const short = await refusal(service.buy(request(users[1], sale.id, 2)));
      expect(short.code).to.equal('INSUFFICIENT_STOCK');
      expect(short.details).to.deep.equal({ remaining: 1 });
      expect((await service.buy(request(users[1], sale.id, 1))).remaining).to.equal(0);
      const none = await refusal(service.buy(request(users[2], sale.id, 1)));
      expect(none.code).to.equal('SOLD_OUT');
      const doc = await saleDoc(sale.id);
      expect([doc.remaining, doc.sold, doc.orders]).to.deep.equal([0, 3, 2]);
      expect(written).to.deep.equal([sale.id, sale.id]);
    });

    it("USER_LIMIT_REACHED with the buyer's tally", async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 2 });
      const { service } = serviceWith();
      await service.buy(request(users[0], sale.id, 1));
      const over = await refusal(service.buy(request(users[0], sale.id, 2)));
      expect(over.code).to.equal('USER_LIMIT_REACHED');
      expect(over.details).to.deep.equal({ perUserLimit: 2, purchased: 1 });
      expect((await service.buy(request(users[0], sale.id, 1))).remaining).to.equal(8);
    });
  });

  describe('retry: the round the update pinned is not the current one', () => {
    it('re-reads a stale round and buys in the current one', async () => {
      const sale = await t.createSale(admin, { units: 4, perOrderLimit: 2, perUserLimit: 2 });
      const directory = new SaleDirectory(t.connection);
      const { service } = serviceWith({ directory });
      expect((await service.buy(request(users[0], sale.id))).purchase.round).to.equal(1);
      await openNextRound(sale.id);

      const answer = await service.buy(request(users[0], sale.id, 2));
      expect(answer.purchase.round).to.equal(2);
      expect(answer.purchase.position).to.equal(1);
      expect(answer.remaining).to.equal(2);
      const info = await directory.get(new Types.ObjectId(sale.id), sale.id);
      expect(info?.round, 'the directory remembers the round it re-read').to.equal(2);
    });

    it('gives up with SERVICE_UNAVAILABLE after five re-reads when the round keeps changing', async () => {
      const sale = await t.createSale(admin, { units: 4 });
      const directory = new LaggingDirectory(t.connection);
      const { service, written } = serviceWith({ directory });
      const gaveUp = await refusal(service.buy(request(users[0], sale.id)));
      expect(gaveUp.code).to.equal('SERVICE_UNAVAILABLE');
      expect(directory.reads, 'the first read, then one per attempt').to.equal(6);
      const doc = await saleDoc(sale.id);
      expect([doc.remaining, doc.orders]).to.deep.equal([4, 0]);
      expect(written).to.deep.equal([]);
    });
  });

  describe('replay: a repeated Idempotency-Key', () => {
    it('answers the first purchase again, unchanged by later stock, in a later round too', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 2 });
      const { service } = serviceWith();
      const first = await service.buy(request(users[0], sale.id, 2, 'key-1'));
      await service.buy(request(users[1], sale.id, 2));
      const again = await service.buy(request(users[0], sale.id, 2, 'key-1'));
      expect(again).to.deep.equal(first);

      await openNextRound(sale.id);
      expect(await service.buy(request(users[0], sale.id, 2, 'key-1'))).to.deep.equal(first);
      // The key is the buyer's: another buyer's same key is a purchase of its own.
      const other = await service.buy(request(users[1], sale.id, 1, 'key-1'));
      expect(other.purchase.id).to.not.equal(first.purchase.id);
      expect(other.purchase.round).to.equal(2);
      const doc = await saleDoc(sale.id);
      expect([doc.round, doc.sold, doc.orders]).to.deep.equal([2, 1, 1]);
    });

    it('restores the purchase of a request that died after its commit, from the outbox, and answers it', async () => {
      const sale = await t.createSale(admin, { units: 10, perOrderLimit: 2, perUserLimit: 2 });
      const buyer = users[2];
      const purchaseId = new Types.ObjectId();
      // The first request: committed in the sale (key, tally, outbox entry), then gone before its insert.
      const committed = await ledger.commit({
        saleId: new Types.ObjectId(sale.id),
        round: 1,
        purchaseId,
        userId: new Types.ObjectId(buyer.id),
        userHex: buyer.id,
        userName: buyer.name,
        quantity: 2,
        perUserLimit: 2,
        idempotencyKey: 'died',
        now: t.clock.now(),
      });
      expect(committed?.position).to.equal(1);
      const { service, written } = serviceWith();
      await service.buy(request(users[3], sale.id, 1));

      const answer: PurchaseAnswer = await service.buy(request(buyer, sale.id, 2, 'died'));
      expect(answer.purchase.id).to.equal(purchaseId.toHexString());
      expect(answer.purchase.position).to.equal(1);
      expect(answer.purchase.quantity).to.equal(2);
      // The reconciler cannot know the stock of that instant: the answer carries today's.
      expect(answer.remaining).to.equal(7);
      const stored = await purchasesCollection(t.connection).findOne({ _id: purchaseId });
      expect(stored?.idempotencyKey).to.equal('died');
      const doc = await saleDoc(sale.id);
      expect([doc.sold, doc.orders]).to.deep.equal([3, 2]);
      expect(written).to.include(sale.id);
    });
  });

  describe('the sold-out fast path (live-stock cache)', () => {
    it('refuses a plain purchase without an update while the cached round is fresh', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const { service } = serviceWith({ soldOut: () => true });
      const refused = await refusal(service.buy(request(users[0], sale.id)));
      expect(refused.code).to.equal('SOLD_OUT');
      expect((await saleDoc(sale.id)).remaining, 'the cache is wrong here: stock was never touched').to.equal(
        5,
      );
    });

    it('lets a keyed purchase through to the ledger, whose answer is the first purchase', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const { service } = serviceWith({ soldOut: () => true });
      const answer = await service.buy(request(users[0], sale.id, 1, 'through'));
      expect(answer.remaining).to.equal(4);
    });

    it('re-reads a round cached more than a second ago and buys when the current round is not sold out', async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const directory = new AgedDirectory(t.connection, 5_000);
      const { service } = serviceWith({ directory, soldOut: (round) => round === 1 });
      await directory.get(new Types.ObjectId(sale.id), sale.id);
      await openNextRound(sale.id);
      const answer = await service.buy(request(users[0], sale.id));
      expect(answer.purchase.round).to.equal(2);

      const stillOut = serviceWith({
        directory: new AgedDirectory(t.connection, 5_000),
        soldOut: () => true,
      });
      const refused = await refusal(stillOut.service.buy(request(users[1], sale.id)));
      expect(refused.code, 'sold out in the round it re-read too').to.equal('SOLD_OUT');
    });

    it('refuses the calls after its own sell-out from memory, before any change stream reports it', async () => {
      const sale = await t.createSale(admin, { units: 1 });
      const { service } = serviceWith({ cache: new StockCache() });
      expect((await service.buy(request(users[0], sale.id))).remaining).to.equal(0);
      // Only a call that reached the ledger could buy the restocked unit.
      await restock(sale.id, 1);
      const refused = await refusal(service.buy(request(users[1], sale.id)));
      expect(refused.code).to.equal('SOLD_OUT');
      expect((await saleDoc(sale.id)).remaining, 'no update reached the ledger').to.equal(1);
      expect(service.refusesFromMemory(sale.id, false)).to.equal(true);
      expect(service.refusesFromMemory(sale.id, true), 'a keyed call still reaches the ledger').to.equal(
        false,
      );
    });

    it("learns a sell-out from a refused update's read, and only for that round", async () => {
      const sale = await t.createSale(admin, { units: 1 });
      await serviceWith().service.buy(request(users[0], sale.id));
      const cache = new StockCache();
      const { service } = serviceWith({ cache });
      expect((await refusal(service.buy(request(users[1], sale.id)))).code).to.equal('SOLD_OUT');
      await restock(sale.id, 1);
      expect((await refusal(service.buy(request(users[2], sale.id)))).code).to.equal('SOLD_OUT');
      expect((await saleDoc(sale.id)).remaining, 'refused from memory').to.equal(1);
      // A process that never saw the sell-out goes to the ledger (and so would buy the restocked unit).
      const unaware = await serviceWith({ cache: new StockCache() }).service.buy(request(users[3], sale.id));
      expect(unaware.remaining).to.equal(0);

      await openNextRound(sale.id);
      const next = await saleDoc(sale.id);
      cache.offer(stateFromDocument({ ...next } as unknown as Record<string, unknown>)!);
      const answer = await service.buy(request(users[2], sale.id));
      expect(answer.purchase.round, 'the stream reported a newer round: to the ledger again').to.equal(2);
    });
  });
});
