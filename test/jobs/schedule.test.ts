import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openConnection } from '../../server/db/connect';
import { createLogger } from '../../server/logger';
import { saleModel } from '../../server/ledger/sale.model';
import { getTestDatabase } from '@flash-sale/harness';
import { TestClock } from '@flash-sale/harness/app';

describe('jobs: scheduled by the app', function () {
  this.timeout(20_000);

  it('run on their own while the app runs, and stop with it', async () => {
    const db = await getTestDatabase();
    const connection = await openConnection(db.uri, db.dbName);
    const clock = new TestClock();
    const logger = createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS });
    const app = await createApp({ config: loadConfig({ NODE_ENV: 'test' }), connection, logger, clock });
    await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
    try {
      const sales = saleModel(connection);
      const sale = await sales.create({
        productId: connection.base.Types.ObjectId.createFromTime(1),
        productName: 'P',
        price: 1,
        currency: 'USD',
        units: 1,
        perOrderLimit: 1,
        perUserLimit: 1,
        startsAt: new Date(clock.now().getTime() + 1000),
        pendingStartAt: new Date(clock.now().getTime() + 1000),
        roundOpenedAt: clock.now(),
        remaining: 1,
      });
      clock.advance(1000);
      // The sale-start job runs every second: wait for it (bounded).
      const deadline = Date.now() + 5000;
      let announced = false;
      while (Date.now() < deadline && !announced) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        announced = (await sales.findById(sale._id).lean())!.pendingStartAt === null;
      }
      expect(announced).to.equal(true);
      expect((app.http.address() as AddressInfo).port).to.be.above(0);
    } finally {
      const closing = Date.now();
      await app.close();
      expect(Date.now() - closing).to.be.below(3000);
      expect(app.http.listening).to.equal(false);
      await connection.close();
      await db.stop();
    }
  });
});
