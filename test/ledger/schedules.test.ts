import { expect } from 'chai';
import { Types } from 'mongoose';
import { run as runRestartJob } from '../../server/jobs/sale-restart.job';
import { SaleLedger, salesReader } from '../../server/ledger';
import { TestApp, TestClock } from '@flash-sale/harness/app';

const SALES = 3000;

/**
 * Runs ticks until `expected` rounds opened or a tick opens nothing (a tick is bounded in time, so a slow
 * machine may need several), at most 20; returns the rounds opened.
 */
async function ticksUntil(expected: number, tick: () => Promise<number[]>): Promise<number> {
  let total = 0;
  for (let i = 0; i < 20 && total < expected; i += 1) {
    const opened = (await tick()).reduce((sum, n) => sum + n, 0);
    if (opened === 0) break;
    total += opened;
  }
  return total;
}

/** Each sale's next firing is stored; the job asks the database for due sales through an index. */
describe('ledger: schedules at scale', function () {
  this.timeout(120_000);
  let t: TestApp;
  let other: TestApp;
  const clock = new TestClock(new Date('2030-03-01T09:59:30.000Z'));
  let ids: Types.ObjectId[];

  before(async () => {
    t = await TestApp.start({ clock });
    other = await t.addInstance();
    const ledger = new SaleLedger(t.connection);
    ids = [];
    for (let i = 0; i < SALES; i += 1) {
      const sale = await ledger.create(
        {
          productId: new Types.ObjectId(),
          productName: `Product ${i}`,
          price: 100,
          currency: 'USD',
          units: 5,
          perOrderLimit: 1,
          perUserLimit: 1,
          // Half fire every minute, half every two minutes.
          restartSchedule: i % 2 === 0 ? '* * * * *' : '*/2 * * * *',
          promoCondition: null,
          startsAt: clock.now(),
        },
        clock.now(),
      );
      ids.push(sale._id);
    }
  });
  after(async () => {
    await other.stop();
    await t.stop();
  });

  it('shows the stored next firing in the sale view', async () => {
    const view = (await t.request('GET', `/api/sales/${ids[0].toHexString()}`)).body.sale;
    expect(view.nextRoundAt).to.equal('2030-03-01T10:00:00.000Z');
  });

  it('reads due sales through the nextRoundAt index', async () => {
    const plan = await salesReader(t.connection)
      .find({ nextRoundAt: { $lte: clock.now() } })
      .sort({ nextRoundAt: 1 })
      .limit(100)
      .explain('queryPlanner');
    expect(JSON.stringify(plan.queryPlanner.winningPlan)).to.include('IXSCAN').and.to.include('nextRoundAt');
  });

  it('opens one round for every due sale, with two instances ticking at once, and nothing before', async () => {
    expect(await runRestartJob(t.deps)).to.equal(0);
    clock.set('2030-03-01T10:00:00.500Z');
    expect(
      await ticksUntil(SALES, () =>
        Promise.all([runRestartJob(t.deps), runRestartJob({ ...other.deps, clock })]),
      ),
    ).to.equal(SALES);
    const rounds = await salesReader(t.connection)
      .find({}, { projection: { round: 1, nextRoundAt: 1, restartSchedule: 1 } })
      .toArray();
    expect(rounds).to.have.length(SALES);
    for (const sale of rounds) {
      expect(sale.round).to.equal(2);
      const next =
        sale.restartSchedule === '* * * * *' ? '2030-03-01T10:01:00.000Z' : '2030-03-01T10:02:00.000Z';
      expect(sale.nextRoundAt?.toISOString()).to.equal(next);
    }
    // The same firing seen again opens nothing; the next minute opens only the every-minute half.
    expect(await runRestartJob(t.deps)).to.equal(0);
    clock.set('2030-03-01T10:01:00.200Z');
    expect(await ticksUntil(SALES / 2, async () => [await runRestartJob(t.deps)])).to.equal(SALES / 2);
  });

  it('opens one round, not a burst, after the server missed several firings', async () => {
    clock.set('2030-03-01T10:30:10.000Z');
    expect(await ticksUntil(SALES, async () => [await runRestartJob(t.deps)])).to.equal(SALES);
    const sale = await salesReader(t.connection).findOne({ _id: ids[0] });
    expect(sale?.round).to.equal(4);
    expect(sale?.startsAt.toISOString()).to.equal('2030-03-01T10:02:00.000Z');
    expect(sale?.nextRoundAt?.toISOString()).to.equal('2030-03-01T10:31:00.000Z');
  });
});
