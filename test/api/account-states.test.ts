import { expect } from 'chai';
import { Types } from 'mongoose';
import { createAccountStates } from '../../server/auth/account-states';
import { userModel } from '../../server/users/user.model';
import { TestApp } from '@flash-sale/harness/app';

/** find commands the database server has run so far (serverStatus, as MongoDB reports it). */
async function findCount(t: TestApp): Promise<number> {
  const status = await t.connection.db!.admin().command({ serverStatus: 1 });
  return Number(status.metrics?.commands?.find?.total ?? 0);
}

describe('account states (what tokens are checked against)', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(() => t.stop());

  it('reads the accounts of calls that arrive together with one query, and each state once', async () => {
    const admin = await t.createUser({ role: 'admin' });
    const users = await t.createUsers(120);
    const deleted = new Types.ObjectId().toHexString();
    const states = createAccountStates(t.connection, t.clock);
    const before = await findCount(t);
    const ids = [admin.id, ...users.map((u) => u.id), deleted, users[0].id];
    const roles = await Promise.all(ids.map((id) => states.roleOf(id)));
    expect(await findCount(t)).to.equal(before + 1);
    expect(roles).to.deep.equal(['admin', ...Array<string>(120).fill('user'), null, 'user']);
    // Remembered: answered from memory, synchronously, with no read.
    expect(states.roleOf(users[5].id)).to.equal('user');
    expect(states.roleOf(deleted)).to.equal(null);
    expect(await findCount(t)).to.equal(before + 1);
  });

  it('reads again after ACCOUNT_STATE_TTL_MS, so a demotion shows', async () => {
    const user = await t.createUser({ role: 'admin' });
    const states = createAccountStates(t.connection, t.clock);
    expect(await states.roleOf(user.id)).to.equal('admin');
    await userModel(t.connection).updateOne({ _id: user.id }, { $set: { role: 'user' } });
    expect(await states.roleOf(user.id)).to.equal('admin');
    t.clock.advance(2001);
    // lru-cache reads its clock at most once per real millisecond (ttlResolution): let one pass.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await states.roleOf(user.id)).to.equal('user');
  });
});
