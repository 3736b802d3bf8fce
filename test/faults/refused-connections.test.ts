import { expect } from 'chai';
import {
  ANSWER_BOUND_MS,
  badAnswers,
  newSale,
  purchaseRush,
  recoverAndCheck,
  startRig,
  timed,
  viewers,
  type FaultRig,
  type Timed,
} from './harness';

const OUTAGE_MS = 3000;

describe('database fault: connections refused for a few seconds', function () {
  this.timeout(60_000);
  let rig: FaultRig;
  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    rig = await startRig();
  });
  after(async () => {
    await rig?.close();
  });

  it('answers 503 fast while the database is away, /readyz says so, and everything comes back by itself', async () => {
    const sale = await newSale(rig, { units: 500 });
    const watching = await viewers(rig, sale.id, 20);
    const buyers = await rig.callers(400);

    // A slow rush (10 at a time) that the outage cuts through.
    const during: Timed[] = [];
    let outage: Promise<void> | null = null;
    const answers = await purchaseRush(rig, sale.id, buyers, 10, (done) => {
      if (done !== 100) return;
      rig.db.faults.refuseConnections(OUTAGE_MS);
      rig.db.faults.dropConnections();
      outage = (async () => {
        // While refused: readiness, a read, the leaderboard and a purchase, each answered within the bound.
        during.push(await timed(rig.url, 'GET', '/readyz'));
        during.push(await timed(rig.url, 'GET', `/api/sales/${sale.id}`));
        during.push(await timed(rig.url, 'GET', `/api/sales/${sale.id}/leaderboard`));
        during.push(await timed(rig.url, 'GET', '/api/users/me/purchases', { token: buyers[0].token }));
      })();
    });
    await outage;
    expect(badAnswers(answers)).to.deep.equal([]);
    expect(
      answers.filter((a) => a.status === 503).length,
      'purchases refused during the outage',
    ).to.be.greaterThan(0);

    const [ready, ...reads] = during;
    expect(ready.status, 'readyz during the outage').to.equal(503);
    for (const read of [ready, ...reads]) {
      expect(read.status, JSON.stringify(read.body)).to.be.oneOf([200, 503]);
      if (read.status === 503) expect(read.code).to.equal('SERVICE_UNAVAILABLE');
      expect(read.ms).to.be.below(ANSWER_BOUND_MS);
    }
    expect((await timed(rig.url, 'GET', '/healthz')).status, 'healthz stays 200').to.equal(200);

    const recovery = await recoverAndCheck(rig, sale.id, buyers, answers, watching);
    for (const v of watching) v.socket.disconnect();
    expect(recovery.ready).to.equal(true);
    expect(recovery.bad).to.deep.equal([]);
    expect(recovery.ledgerProblems).to.deep.equal([]);
    expect(recovery.answered).to.equal(recovery.documents);
    expect(recovery.documents).to.equal(400);
    expect(recovery.nextPurchase).to.equal(201);
    expect(recovery.converged, 'every socket on the final state').to.equal(true);
  });
});
