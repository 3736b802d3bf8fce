import { expect } from 'chai';
import { Types } from 'mongoose';
import { SaleLedger } from '../../server/ledger';
import { TestApp } from '@flash-sale/harness/app';

const SALES = 120;

describe('GET /api/sales paging', () => {
  let t: TestApp;
  const ids: string[] = [];
  before(async () => {
    t = await TestApp.start();
    const ledger = new SaleLedger(t.connection);
    for (let i = 0; i < SALES; i += 1) {
      const sale = await ledger.create(
        {
          productId: new Types.ObjectId(),
          productName: `Product ${i}`,
          price: 100,
          currency: 'USD',
          units: 1,
          perOrderLimit: 1,
          perUserLimit: 1,
          restartSchedule: null,
          promoCondition: null,
          startsAt: t.clock.now(),
        },
        t.clock.now(),
      );
      ids.push(String(sale._id));
    }
  });
  after(async () => {
    await t.stop();
  });

  it('reaches every sale, newest first, 50 by default, each once', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const answer = await t.request('GET', `/api/sales${query}`);
      expect(answer.status).to.equal(200);
      sizes.push(answer.body.items.length);
      seen.push(...answer.body.items.map((sale: { id: string }) => sale.id));
      cursor = answer.body.nextCursor;
      if (cursor === null) break;
    }
    expect(sizes).to.deep.equal([50, 50, 20]);
    expect(seen).to.deep.equal([...ids].reverse());
  });

  it('honours limit 1..100 and refuses anything else', async () => {
    const page = await t.request('GET', '/api/sales?limit=100');
    expect(page.body.items).to.have.length(100);
    expect(page.body.nextCursor).to.be.a('string');
    for (const limit of ['0', '101', 'x']) {
      const bad = await t.request('GET', `/api/sales?limit=${limit}`);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal('VALIDATION_ERROR');
    }
  });

  it('refuses a cursor it did not issue, or one with anything appended', async () => {
    const first = await t.request('GET', '/api/sales?limit=1');
    const cursor: string = first.body.nextCursor;
    expect((await t.request('GET', `/api/sales?cursor=${cursor}`)).status).to.equal(200);
    for (const bad of [`${cursor}A`, `${cursor}=`, 'not-a-cursor', '']) {
      const answer = await t.request('GET', `/api/sales?cursor=${encodeURIComponent(bad)}`);
      expect(answer.status, bad).to.equal(400);
      expect(answer.body.error.code).to.equal('VALIDATION_ERROR');
    }
  });
});
