import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { createApp, type App } from '../../server/app';
import { checkPassword } from '../../server/auth/passwords';
import { loadConfig } from '../../server/config';
import { openConnection } from '../../server/db/connect';
import {
  DEMO_ADMIN_EMAIL,
  DEMO_SALE_ID,
  logStartupBanner,
  seedDemo,
  startupBanner,
  type DemoSeed,
} from '../../server/demo';
import { run as runRestartJob } from '../../server/jobs/sale-restart.job';
import { createLogger } from '../../server/logger';
import { productModel } from '../../server/products/product.model';
import { saleModel } from '../../server/ledger/sale.model';
import { userModel } from '../../server/users/user.model';
import { TestApp, TestClock } from '@flash-sale/harness/app';
import { getTestDatabase, type TestDatabase } from '@flash-sale/harness';
import { captureLogger } from '../observability/log-capture';

const logger = createLogger({ level: 'error', json: false, silent: true });

/** One server instance on a shared database: its own connection and app, as `server/index.ts` builds them. */
async function startInstance(db: TestDatabase, env: Record<string, string>) {
  const connection = await openConnection(db.uri, db.dbName);
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const app = await createApp({ config, connection, logger, jobs: false });
  return { connection, config, app };
}

async function counts(connection: Connection) {
  return {
    sales: await saleModel(connection).countDocuments(),
    products: await productModel(connection).countDocuments(),
    admins: await userModel(connection).countDocuments({ role: 'admin' }),
  };
}

describe('demo seeding', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  const opened: { connection: Connection; app: App }[] = [];

  beforeEach(async () => {
    db = await getTestDatabase();
  });
  afterEach(async () => {
    for (const { app, connection } of opened.splice(0)) {
      await app.close();
      await connection.close();
    }
    await db.stop();
  });

  async function instance(env: Record<string, string> = {}) {
    const started = await startInstance(db, env);
    opened.push(started);
    return started;
  }

  describe('on a fresh embedded database with DEMO on', () => {
    it('creates exactly one demo sale of 200 units starting after the delay, and one admin who can log in', async () => {
      const { connection, config } = await instance();
      const clock = new TestClock(new Date('2030-01-01T12:00:10.000Z'));
      const seed = await seedDemo({ connection, clock, logger, config, embedded: true });

      expect(await counts(connection)).to.deep.equal({ sales: 1, products: 1, admins: 1 });
      expect(seed.sale?.id).to.equal(DEMO_SALE_ID);
      expect(seed.sale?.created).to.equal(true);
      expect(seed.sale?.startsAt.toISOString()).to.equal('2030-01-01T12:01:10.000Z');
      const sale = await saleModel(connection).findById(DEMO_SALE_ID).lean();
      expect(sale).to.include({
        units: 200,
        remaining: 200,
        sold: 0,
        round: 1,
        restartSchedule: '*/5 * * * *',
      });
      const admin = await userModel(connection).findOne({ email: DEMO_ADMIN_EMAIL }).lean();
      expect(admin?.role).to.equal('admin');
      expect(await checkPassword(seed.admin?.password ?? '', admin?.passwordHash)).to.equal(true);
    });

    it('serves the demo sale as scheduled through the API', async () => {
      const app = await TestApp.start();
      try {
        await seedDemo({ ...app.deps, config: app.config, embedded: true });
        const answer = await app.request('GET', `/api/sales/${DEMO_SALE_ID}`);
        expect(answer.status).to.equal(200);
        expect(answer.body.sale).to.include({ status: 'scheduled', units: 200, remaining: 200, round: 1 });
        expect(Date.parse(answer.body.sale.startsAt) - app.clock.now().getTime()).to.equal(60_000);
      } finally {
        await app.stop();
      }
    });

    it('honours the configured start delay', async () => {
      const { connection, config } = await instance();
      const clock = new TestClock(new Date('2030-01-01T12:00:00.000Z'));
      const seed = await seedDemo({
        connection,
        clock,
        logger,
        config: { ...config, demoStartDelaySeconds: 20 },
        embedded: true,
      });
      expect(seed.sale?.startsAt.toISOString()).to.equal('2030-01-01T12:00:20.000Z');
    });

    it('is idempotent: a second run creates nothing and prints no new password', async () => {
      const { connection, config } = await instance();
      const clock = new TestClock();
      const first = await seedDemo({ connection, clock, logger, config, embedded: true });
      clock.advance(3_600_000);
      const second = await seedDemo({ connection, clock, logger, config, embedded: true });
      expect(await counts(connection)).to.deep.equal({ sales: 1, products: 1, admins: 1 });
      expect(second.sale).to.deep.include({ id: DEMO_SALE_ID, created: false });
      expect(second.sale?.startsAt.getTime()).to.equal(first.sale?.startsAt.getTime());
      expect(second.admin).to.deep.equal({ email: DEMO_ADMIN_EMAIL, password: null });
    });
  });

  describe('with several instances starting together on one database', () => {
    it('gives one demo sale, one product and one admin, and only one instance shows a password', async () => {
      const instances = await Promise.all([instance(), instance(), instance(), instance()]);
      const clock = new TestClock();
      const seeds: DemoSeed[] = await Promise.all(
        instances.map(({ connection, config }) =>
          seedDemo({ connection, clock, logger, config, embedded: true }),
        ),
      );
      expect(await counts(instances[0].connection)).to.deep.equal({ sales: 1, products: 1, admins: 1 });
      expect(seeds.every((seed) => seed.sale?.id === DEMO_SALE_ID)).to.equal(true);
      expect(seeds.filter((seed) => seed.sale?.created)).to.have.length(1);
      const passwords = seeds.map((seed) => seed.admin?.password).filter((p): p is string => Boolean(p));
      expect(passwords).to.have.length(1);
      const admin = await userModel(instances[0].connection).findOne({ email: DEMO_ADMIN_EMAIL }).lean();
      expect(await checkPassword(passwords[0], admin?.passwordHash)).to.equal(true);
    });
  });

  describe('when it must not seed', () => {
    it('creates nothing with DEMO=false', async () => {
      const { connection, config } = await instance({ DEMO: 'false' });
      const seed = await seedDemo({ connection, clock: new TestClock(), logger, config, embedded: true });
      expect(seed).to.deep.equal({ sale: null, admin: null });
      expect(await counts(connection)).to.deep.equal({ sales: 0, products: 0, admins: 0 });
    });

    it('creates no demo sale when the database already has a sale', async () => {
      const app = await TestApp.start();
      try {
        const admin = await app.createUser({ role: 'admin' });
        await app.createSale(admin);
        const seed = await seedDemo({ ...app.deps, config: app.config, embedded: true });
        expect(seed.sale).to.equal(null);
        expect(await saleModel(app.connection).countDocuments()).to.equal(1);
      } finally {
        await app.stop();
      }
    });

    it('creates no generated admin when ADMIN_EMAIL is set', async () => {
      const configured = await instance({
        ADMIN_EMAIL: 'boss@example.com',
        ADMIN_PASSWORD: 'long enough pw',
      });
      const seed = await seedDemo({ ...configured, clock: new TestClock(), logger, embedded: true });
      expect(seed.admin).to.equal(null);
      expect(await userModel(configured.connection).countDocuments()).to.equal(0);
      // The demo sale itself does not depend on the admin.
      expect(seed.sale?.id).to.equal(DEMO_SALE_ID);
    });

    it('creates no generated admin on a real database (MONGODB_URI), only the demo sale when DEMO=true', async () => {
      const external = await instance({ DEMO: 'true' });
      const seed = await seedDemo({ ...external, clock: new TestClock(), logger, embedded: false });
      expect(seed.admin).to.equal(null);
      expect(await counts(external.connection)).to.deep.equal({ sales: 1, products: 1, admins: 0 });
    });
  });

  describe('with the restart schedule', () => {
    it('never replaces the first round before it ran a full period, then opens a fresh one at a firing', async () => {
      const { connection, config } = await instance();
      const clock = new TestClock(new Date('2030-01-01T12:04:30.000Z'));
      await seedDemo({ connection, clock, logger, config, embedded: true });
      const deps = { connection, clock, logger };

      clock.set('2030-01-01T12:05:00.000Z'); // a firing of */5, 30 s before the demo starts
      expect(await runRestartJob(deps)).to.equal(0);
      expect((await saleModel(connection).findById(DEMO_SALE_ID).lean())?.round).to.equal(1);

      // Round 1 starts at 12:05:30: the firing of 12:10 would leave it 4.5 minutes, under a period of 5.
      clock.set('2030-01-01T12:10:00.000Z');
      expect(await runRestartJob(deps)).to.equal(0);
      const first = await saleModel(connection).findById(DEMO_SALE_ID).lean();
      expect(first?.round).to.equal(1);
      expect(first?.nextRoundAt?.toISOString()).to.equal('2030-01-01T12:15:00.000Z');

      clock.set('2030-01-01T12:15:00.000Z');
      expect(await runRestartJob(deps)).to.equal(1);
      const sale = await saleModel(connection).findById(DEMO_SALE_ID).lean();
      expect(sale).to.include({ round: 2, remaining: 200 });
      expect(sale?.startsAt.toISOString()).to.equal('2030-01-01T12:15:00.000Z');
      expect(sale?.nextRoundAt?.toISOString()).to.equal('2030-01-01T12:20:00.000Z');
    });
  });
});

describe('startupBanner', () => {
  const now = new Date('2030-01-01T12:00:00.000Z');
  const sale = {
    id: DEMO_SALE_ID,
    startsAt: new Date('2030-01-01T12:01:00.000Z'),
    restartSchedule: '*/5 * * * *',
  };

  it('names the page, the generated admin login, the demo sale and the in-memory database', () => {
    const lines = startupBanner({
      url: 'http://localhost:3000/',
      embedded: true,
      configuredAdminEmail: null,
      now,
      seed: { sale: { ...sale, created: true }, admin: { email: DEMO_ADMIN_EMAIL, password: 's3cret-pw' } },
    });
    const text = lines.join('\n');
    expect(lines.length).to.be.within(3, 6);
    expect(text).to.contain('http://localhost:3000/');
    expect(text).to.contain(`${DEMO_ADMIN_EMAIL} / s3cret-pw`);
    expect(text).to.contain(`${DEMO_SALE_ID} starts at 2030-01-01T12:01:00.000Z (in 60 s)`);
    expect(text).to.match(/IN MEMORY/);
    expect(text).to.match(/NOT FOR PRODUCTION/);
  });

  it('shows no password it did not create and no database warning with MONGODB_URI', () => {
    const lines = startupBanner({
      url: 'http://localhost:3000/',
      embedded: false,
      configuredAdminEmail: 'boss@example.com',
      now,
      seed: { sale: null, admin: null },
    });
    expect(lines.join('\n')).to.contain('boss@example.com (ADMIN_EMAIL)');
    expect(lines.join('\n')).not.to.match(/IN MEMORY|Demo sale/);
  });

  it('is logged at warn with the embedded database, so a quiet LOG_LEVEL still shows the password', () => {
    const { logger, entries } = captureLogger('warn');
    const seed = { sale: null, admin: { email: DEMO_ADMIN_EMAIL, password: 'pw-once-1' } };
    logStartupBanner(logger, { port: 4321, embedded: true, seed, config: { admin: null }, now });
    expect(entries.map((e) => e.level)).to.satisfy((levels: string[]) => levels.every((l) => l === 'warn'));
    expect(entries.map((e) => e.message).join('\n'))
      .to.contain('http://localhost:4321/')
      .and.contain('pw-once-1');
  });
});
