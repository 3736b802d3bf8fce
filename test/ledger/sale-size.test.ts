import { expect } from 'chai';
import { calculateObjectSize } from 'bson';
import { Types } from 'mongoose';
import { SaleLedger, salesReader } from '../../server/ledger';
import { TestApp } from '@flash-sale/harness/app';

const UNITS = 10_000;
const MIB = 1024 * 1024;

/** The largest round the contract allows, every buyer distinct, every key 255 characters. */
describe('ledger: the sale document of the largest round', function () {
  this.timeout(180_000);
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.stop();
  });

  it('stays under 1 MiB with 10,000 distinct buyers and 255-character keys, and keeps exact counts', async () => {
    const ledger = new SaleLedger(t.connection);
    const sale = await ledger.create(
      {
        productId: new Types.ObjectId(),
        productName: 'Big round',
        price: 100,
        currency: 'USD',
        units: UNITS,
        perOrderLimit: 1,
        perUserLimit: 1,
        restartSchedule: null,
        promoCondition: null,
        startsAt: t.clock.now(),
      },
      t.clock.now(),
    );
    // As in service: each purchase leaves the outbox once recorded (batched by the drain).
    const drain = ledger.outboxDrain(t.deps.logger);
    let next = 0;
    let committed = 0;
    const worker = async () => {
      while (next < UNITS + 10) {
        const i = next++;
        const user = new Types.ObjectId();
        const purchaseId = new Types.ObjectId();
        const result = await ledger.commit({
          saleId: sale._id,
          round: 1,
          purchaseId,
          userId: user,
          userHex: user.toHexString(),
          userName: `buyer ${i}`,
          quantity: 1,
          perUserLimit: 1,
          idempotencyKey: `${String(i).padStart(6, '0')}${'k'.repeat(249)}`,
          now: t.clock.now(),
        });
        if (!result) continue;
        committed += 1;
        drain.add(sale._id, String(sale._id), purchaseId);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    await drain.close();
    expect(committed).to.equal(UNITS);

    const doc = await salesReader(t.connection).findOne({ _id: sale._id });
    expect(doc).to.include({ sold: UNITS, remaining: 0, orders: UNITS });
    expect(Object.keys(doc!.buyers)).to.have.length(UNITS);
    expect(Object.keys(doc!.keys)).to.have.length(UNITS);
    expect(Object.keys(doc!.pending)).to.have.length(0);
    expect(calculateObjectSize(doc!)).to.be.below(MIB);
  });
});
