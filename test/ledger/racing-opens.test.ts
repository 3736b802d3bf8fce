import { expect } from 'chai';
import { RACE_WINDOW_MS } from '../../server/ledger';
import { RunningClock, TestApp, type TestUser } from '@flash-sale/harness/app';

/** Opens that race each other for the same current round open exactly one round. */
describe('ledger: racing round opens', () => {
  let t: TestApp;
  let other: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await TestApp.start({ clock: new RunningClock() });
    other = await t.addInstance();
    admin = await t.createUser({ role: 'admin' });
  });
  after(async () => {
    await other.stop();
    await t.stop();
  });

  const open = (instance: TestApp, saleId: string) =>
    instance.request('POST', `/api/sales/${saleId}/rounds`, {
      token: admin.token,
      body: { startsAt: new Date().toISOString(), force: true },
    });

  for (const where of ['one instance', 'two instances']) {
    it(`opens one round for five simultaneous forced opens (${where}); the others name the winner`, async () => {
      const sale = await t.createSale(admin, { units: 5 });
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          open(where === 'one instance' || i % 2 === 0 ? t : other, sale.id),
        ),
      );
      const opened = answers.filter((a) => a.status === 201);
      expect(opened, answers.map((a) => a.text).join('\n')).to.have.length(1);
      expect(opened[0].body.sale.round).to.equal(2);
      for (const lost of answers.filter((a) => a.status !== 201)) {
        expect(lost.status).to.equal(409);
        expect(lost.body.error.code).to.equal('ROUND_IN_PROGRESS');
        expect(lost.body.error.details).to.deep.equal({ round: 2 });
      }
      expect((await t.request('GET', `/api/sales/${sale.id}`)).body.sale.round).to.equal(2);
      // A deliberate open after the race window is not a race: it opens round 3.
      await new Promise((resolve) => setTimeout(resolve, RACE_WINDOW_MS + 50));
      const later = await open(t, sale.id);
      expect(later.status, later.text).to.equal(201);
      expect(later.body.sale.round).to.equal(3);
    });
  }
});
