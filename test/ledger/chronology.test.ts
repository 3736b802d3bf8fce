import { expect } from 'chai';
import { RunningClock, TestApp, type TestUser } from '@flash-sale/harness/app';
import { readBoard, timeStepsBack } from './board';

/** A purchase's time is decided with its position: it never steps back along the positions of a round. */
describe('ledger: commit-time chronology', () => {
  describe('in a rush of 400 buyers for 200 units on a running clock', () => {
    let t: TestApp;
    let admin: TestUser;
    before(async () => {
      t = await TestApp.start({ clock: new RunningClock() });
      admin = await t.createUser({ role: 'admin' });
    });
    after(async () => {
      await t.stop();
    });

    it('stamps purchasedAt in position order, and each answer carries its stamp', async () => {
      const sale = await t.createSale(admin, { units: 200 });
      const buyers = await t.createUsers(400);
      const answers = await Promise.all(buyers.map((buyer) => t.buy(buyer, sale.id)));
      const wins = answers.filter((a) => a.status === 201);
      expect(wins).to.have.length(200);
      const board = await readBoard(t, sale.id, 1);
      expect(board.map((item) => item.position)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(timeStepsBack(board)).to.deep.equal([]);
      const byPosition = new Map(board.map((item) => [item.position, item.purchasedAt]));
      for (const win of wins)
        expect(win.body.purchase.purchasedAt).to.equal(byPosition.get(win.body.purchase.position));
    });
  });

  describe('across two instances whose clocks are 5 s apart', () => {
    let ahead: TestApp;
    let behind: TestApp;
    let admin: TestUser;
    before(async () => {
      ahead = await TestApp.start({ clock: new RunningClock() });
      behind = await ahead.addInstance(new RunningClock(-5000));
      admin = await ahead.createUser({ role: 'admin' });
    });
    after(async () => {
      await behind.stop();
      await ahead.stop();
    });

    it('never stamps a purchase earlier than the last commit, whichever instance decides it', async () => {
      const sale = await ahead.createSale(admin, {
        units: 300,
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      });
      const buyers = await ahead.createUsers(300);
      // Waves alternate between the instances so that late clocks follow early ones along the positions.
      for (let wave = 0; wave < 6; wave += 1) {
        const instance = wave % 2 === 0 ? ahead : behind;
        const batch = buyers.slice(wave * 50, wave * 50 + 50);
        const answers = await Promise.all(batch.map((buyer) => instance.buy(buyer, sale.id)));
        for (const answer of answers) expect(answer.status, answer.text).to.equal(201);
      }
      const board = await readBoard(ahead, sale.id, 1);
      expect(board).to.have.length(300);
      expect(timeStepsBack(board)).to.deep.equal([]);
      // The late instance stamped its purchases with the last commit's time instead of its own clock.
      const lastOfFirstWave = Date.parse(board[49].purchasedAt);
      expect(Date.parse(board[50].purchasedAt)).to.be.at.least(lastOfFirstWave);
    });
  });
});
