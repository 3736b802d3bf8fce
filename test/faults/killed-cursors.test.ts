import { expect } from 'chai';
import {
  badAnswers,
  newSale,
  purchaseRush,
  recoverAndCheck,
  startRig,
  timed,
  viewers,
  type FaultRig,
} from './harness';

describe('database fault: every cursor killed (change streams included)', function () {
  this.timeout(60_000);
  let rig: FaultRig;
  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    rig = await startRig();
  });
  after(async () => {
    await rig?.close();
  });

  it('keeps answering, resumes the change stream and ends every socket on the true state', async () => {
    const sale = await newSale(rig, { units: 300 });
    const watching = await viewers(rig, sale.id, 20);
    const buyers = await rig.callers(500);
    const killsAt = new Set([50, 150, 250, 400]);
    let killed = 0;
    const reads: Promise<Awaited<ReturnType<typeof timed>>>[] = [];
    const answers = await purchaseRush(rig, sale.id, buyers, 40, (done) => {
      if (!killsAt.has(done)) return;
      killed += rig.db.faults.killCursors();
      reads.push(timed(rig.url, 'GET', `/api/sales/${sale.id}/leaderboard?limit=100`));
    });
    expect(killed, 'cursors killed (the change stream at least)').to.be.greaterThan(0);
    expect(badAnswers(answers)).to.deep.equal([]);
    for (const read of await Promise.all(reads)) expect(read.status, JSON.stringify(read.body)).to.equal(200);

    const recovery = await recoverAndCheck(rig, sale.id, buyers, answers, watching);
    for (const v of watching) v.socket.disconnect();
    expect(recovery.bad).to.deep.equal([]);
    expect(recovery.ledgerProblems).to.deep.equal([]);
    expect(recovery.answered).to.equal(recovery.documents);
    expect(recovery.documents).to.equal(300);
    expect(recovery.nextPurchase).to.equal(201);
    expect(recovery.converged, 'every socket on the final state').to.equal(true);
  });
});
