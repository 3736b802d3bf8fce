import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Faults } from '@flash-sale/embedded-mongo';
import { createAccountStates, type AccountStates } from '../../server/auth/account-states';
import type { Role } from '../../server/users/user.model';
import { userModel } from '../../server/users/user.model';
import { TestApp } from '@flash-sale/harness/app';
import { getTestDatabase } from '@flash-sale/harness';
import { captureLogger } from '../observability/log-capture';

/** find commands the database server has run so far (serverStatus, as MongoDB reports it). */
async function findCount(t: TestApp): Promise<number> {
  const status = await t.connection.db!.admin().command({ serverStatus: 1 });
  return Number(status.metrics?.commands?.find?.total ?? 0);
}

/** Waits (at most `ms` of real time) until `check` holds; fails with `what` otherwise. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 3000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

describe('account states (what tokens are checked against)', () => {
  let t: TestApp;
  let open: AccountStates[] = [];
  /** The latest confirmation of the stream of the states made by `states()`. */
  let confirmedAt = -Infinity;
  before(async () => {
    t = await TestApp.start();
  });
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });
  after(() => t.stop());

  /** Account states on the test clock, their stream answering every `maxAwaitTimeMS` when idle; closed after each test. */
  async function states(maxAwaitTimeMS = 100, logger = t.deps.logger): Promise<AccountStates> {
    const made = createAccountStates(t.connection, t.clock, logger, {
      maxAwaitTimeMS,
      onConfirmed: (at) => (confirmedAt = Math.max(confirmedAt, at)),
    });
    open.push(made);
    await made.ready;
    return made;
  }

  /** Moves the clock 1 ms and waits for a round trip that started after that: every earlier change is applied. */
  async function settle(ms = 3000): Promise<void> {
    t.clock.advance(1);
    const at = t.clock.now().getTime();
    await eventually('a round trip of the stream', async () => confirmedAt >= at, ms);
  }

  async function roleIs(accounts: AccountStates, userId: string, role: Role | null): Promise<boolean> {
    return (await accounts.roleOf(userId)) === role;
  }

  it('reads the accounts of calls that arrive together with one query, and each state once', async () => {
    const admin = await t.createUser({ role: 'admin' });
    const users = await t.createUsers(120);
    const deleted = new Types.ObjectId().toHexString();
    const accounts = await states();
    await settle();
    const before = await findCount(t);
    const ids = [admin.id, ...users.map((u) => u.id), deleted, users[0].id];
    const roles = await Promise.all(ids.map((id) => accounts.roleOf(id)));
    expect(await findCount(t)).to.equal(before + 1);
    expect(roles).to.deep.equal(['admin', ...Array<string>(120).fill('user'), null, 'user']);
    // Remembered: answered from memory, synchronously, with no read.
    expect(accounts.roleOf(users[5].id)).to.equal('user');
    expect(accounts.roleOf(deleted)).to.equal(null);
    expect(await findCount(t)).to.equal(before + 1);
  });

  it('with a healthy stream, keeps a state past ACCOUNT_STATE_TTL_MS with no read', async () => {
    const accounts = await states();
    const user = await t.createUser();
    await settle(); // its insert has gone through the stream
    const before = await findCount(t);
    expect(await accounts.roleOf(user.id)).to.equal('user');
    t.clock.advance(10 * 60_000);
    // Confirmations come from the same clock: wait for a round trip that started after the jump.
    await settle();
    expect(accounts.roleOf(user.id)).to.equal('user');
    expect(await findCount(t)).to.equal(before + 1);
  });

  it('shows a deletion and a demotion made in the database within 2 s, with no clock advance', async () => {
    const accounts = await states();
    const admin = await t.createUser({ role: 'admin' });
    const user = await t.createUser();
    await settle();
    expect(await accounts.roleOf(admin.id)).to.equal('admin');
    expect(await accounts.roleOf(user.id)).to.equal('user');
    await userModel(t.connection).updateOne({ _id: admin.id }, { $set: { role: 'user' } });
    await userModel(t.connection).deleteOne({ _id: user.id });
    const took = await eventually(
      'the demotion and the deletion',
      async () => (await roleIs(accounts, admin.id, 'user')) && (await roleIs(accounts, user.id, null)),
    );
    expect(took).to.be.at.most(2000);
  });

  describe('when the stream cannot vouch', () => {
    let faults: Faults | undefined;
    before(async () => {
      faults = (await getTestDatabase()).faults;
    });

    it('falls back to ACCOUNT_STATE_TTL_MS while the stream is stalled', async function () {
      if (!faults) this.skip(); // a real MongoDB has no fault hooks
      // A wait no other stream uses, so the pause stops only this one's getMores.
      const maxAwaitTimeMS = 173;
      const accounts = await states(maxAwaitTimeMS);
      const user = await t.createUser({ role: 'admin' });
      await settle();
      expect(await accounts.roleOf(user.id)).to.equal('admin');
      const pause = faults!.pauseAfter(
        (command) =>
          command.getMore !== undefined &&
          command.collection === 'users' &&
          command.$db === t.connection.name &&
          Number(command.maxTimeMS) === maxAwaitTimeMS,
      );
      try {
        await pause.reached; // the getMore ran before the change; its reply is held, later ones never run
        await userModel(t.connection).updateOne({ _id: user.id }, { $set: { role: 'user' } });
        expect(await accounts.roleOf(user.id)).to.equal('admin'); // nothing arrives: the old state, for now
        t.clock.advance(2001);
        expect(await accounts.roleOf(user.id)).to.equal('user');
      } finally {
        pause.release();
      }
    });

    // Last: it drops `users`. An invalidate ends the stream with an error the driver does not resume (a network
    // outage does not: the driver resumes through it from its token, and nothing is missed).
    it('forgets every account when users is dropped, logs the ended stream, and reopens', async function () {
      const { logger, entries } = captureLogger('warn');
      const accounts = await states(100, logger);
      const user = await t.createUser({ role: 'admin' });
      await settle();
      expect(await accounts.roleOf(user.id)).to.equal('admin');
      await t.connection.db!.collection('users').drop();
      await eventually('the dropped account', () => roleIs(accounts, user.id, null));
      await eventually('a warning about the stream', async () => entries.length > 0);
      expect(entries[0]).to.include({ level: 'warn' });
      expect(entries[0].message).to.match(/^accounts: change stream error/);
      // The reopened stream vouches again: a demotion shows with no clock advance.
      await settle();
      const next = await t.createUser({ role: 'admin' });
      await settle();
      expect(await accounts.roleOf(next.id)).to.equal('admin');
      await userModel(t.connection).updateOne({ _id: next.id }, { $set: { role: 'user' } });
      await eventually('the demotion through the reopened stream', () => roleIs(accounts, next.id, 'user'));
    });
  });

  it('closes: the stream stops and states live ACCOUNT_STATE_TTL_MS again', async () => {
    const accounts = await states();
    const user = await t.createUser({ role: 'admin' });
    await settle();
    expect(await accounts.roleOf(user.id)).to.equal('admin');
    await accounts.close();
    await userModel(t.connection).updateOne({ _id: user.id }, { $set: { role: 'user' } });
    expect(await accounts.roleOf(user.id)).to.equal('admin');
    t.clock.advance(2001);
    expect(await accounts.roleOf(user.id)).to.equal('user');
  });
});
