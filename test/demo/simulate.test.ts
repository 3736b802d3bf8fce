import { expect } from 'chai';
import { runSimulation, type SimulationProgress } from '@flash-sale/crowd';
import { TestApp } from '@flash-sale/harness/app';
import { runScript } from './cli';
import { WallClock } from './clock';
import { startFakeServer } from './fake-server';

const runCli = (args: string[]) => runScript('scripts/simulate.ts', args);

describe('simulator', function () {
  this.timeout(40_000);

  describe('against a running server', () => {
    let app: TestApp;
    before(async () => {
      app = await TestApp.start({ clock: new WallClock() });
    });
    after(async () => {
      await app?.stop();
    });

    it('waits for the start, sells exactly the units, and its summary agrees with GET /api/sales/:id', async () => {
      const admin = await app.createUser({ role: 'admin' });
      const startsAt = new Date(Date.now() + 1500).toISOString();
      const sale = await app.createSale(admin, { units: 40, startsAt });
      const progress: SimulationProgress[] = [];
      const result = await runSimulation({
        url: app.baseUrl,
        saleId: sale.id,
        buyers: 60,
        concurrency: 32,
        spreadMs: 300,
        onProgress: (p) => progress.push(p),
      });
      // The "Buying" bar moves: one step per buyer, up to all of them.
      const buying = progress.flatMap((p) => (p.phase === 'buy' ? [p.done] : []));
      expect(buying).to.deep.equal(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(progress.at(-1)).to.deep.include({ phase: 'buy', total: 60, sold: 40 });

      expect(result.error).to.equal(null);
      expect(result.checks.filter((c) => !c.ok)).to.deep.equal([]);
      expect(result.ok).to.equal(true);
      expect(result.answers).to.deep.equal({ '201': 40, '409 SOLD_OUT': 20 });
      expect(result.unitsBought).to.equal(40);
      const { body } = await app.request('GET', `/api/sales/${sale.id}`);
      expect(result.sale).to.include({ sold: body.sale.sold, remaining: body.sale.remaining, units: 40 });
      expect(body.sale).to.include({ sold: 40, remaining: 0, status: 'sold_out' });
      expect(result.latency?.p99).to.be.above(0);
      // Nobody bought before the start on the server's clock.
      const board = await app.request('GET', `/api/sales/${sale.id}/leaderboard?limit=1`);
      expect(Date.parse(board.body.items[0].purchasedAt)).to.be.at.least(Date.parse(startsAt));
    });

    it('counts partial refusals with several units per order and still passes the exact check', async () => {
      const admin = await app.createUser({ role: 'admin' });
      const sale = await app.createSale(admin, { units: 45, perOrderLimit: 2, perUserLimit: 2 });
      const result = await runSimulation({
        url: app.baseUrl,
        saleId: sale.id,
        buyers: 30,
        quantity: 2,
        spreadMs: 200,
      });
      expect(result.ok).to.equal(true);
      expect(result.unitsBought).to.equal(44);
      expect(result.sale).to.include({ sold: 44, remaining: 1 });
      expect(result.answers['201']).to.equal(22);
      expect(
        (result.answers['409 INSUFFICIENT_STOCK'] ?? 0) + (result.answers['409 SOLD_OUT'] ?? 0),
      ).to.equal(8);
    });
  });

  describe('against a server whose auth rate limit is low', () => {
    it('stops and names AUTH_RATE_LIMIT when it may not wait', async () => {
      const app = await TestApp.start({ env: { AUTH_RATE_LIMIT: '5' } });
      try {
        const admin = await app.createUser({ role: 'admin' });
        const sale = await app.createSale(admin);
        const result = await runSimulation({
          url: app.baseUrl,
          saleId: sale.id,
          buyers: 12,
          rateLimitWaitMs: 0,
        });
        expect(result.ok).to.equal(false);
        expect(result.error)
          .to.match(/429 RATE_LIMITED/)
          .and.match(/AUTH_RATE_LIMIT/);
      } finally {
        await app.stop();
      }
    });
  });

  describe('against a broken server', () => {
    it('fails when every call answers 500', async () => {
      const fake = await startFakeServer('all-500');
      try {
        const result = await runSimulation({ url: fake.url, saleId: 'fake', buyers: 3 });
        expect(result.ok).to.equal(false);
        expect(result.error).to.contain('500 INTERNAL_ERROR');
      } finally {
        await fake.close();
      }
    });

    it('fails when purchases answer 500', async () => {
      const fake = await startFakeServer('purchase-500');
      try {
        const result = await runSimulation({
          url: fake.url,
          saleId: 'fake',
          buyers: 4,
          spreadMs: 0,
          settleMs: 0,
        });
        expect(result.ok).to.equal(false);
        expect(result.answers).to.deep.equal({ '500 INTERNAL_ERROR': 4 });
        const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
        expect(failed).to.include('every purchase answer is a success or an expected refusal');
      } finally {
        await fake.close();
      }
    });

    it('fails when the server sells more than its count and leaderboard show', async () => {
      const fake = await startFakeServer('oversell');
      try {
        const result = await runSimulation({
          url: fake.url,
          saleId: 'fake',
          buyers: 8,
          spreadMs: 0,
          settleMs: 300,
        });
        expect(result.ok).to.equal(false);
        expect(result.unitsBought).to.equal(8);
        const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
        expect(failed).to.include.members([
          'every purchase of this run is on the leaderboard as answered',
          'this run was sold no more than the round sold',
        ]);
      } finally {
        await fake.close();
      }
    });

    it('exits non-zero from the command line', async () => {
      const fake = await startFakeServer('all-500');
      try {
        const run = await runCli(['--url', fake.url, '--sale', 'fake', '--buyers', '2']);
        expect(run.code).to.equal(1);
        expect(run.stdout).to.contain('Result: FAIL');
      } finally {
        await fake.close();
      }
    });

    it('exits 2 with the usage on a missing argument', async () => {
      const run = await runCli(['--url', 'http://127.0.0.1:9']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain('--buyers');
    });
  });
});
