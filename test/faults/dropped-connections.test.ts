import { expect } from 'chai';
import {
  badAnswers,
  newSale,
  purchaseRush,
  recoverAndCheck,
  startRig,
  viewers,
  type FaultRig,
} from './harness';

describe('database fault: every connection dropped in the middle of a rush', function () {
  this.timeout(60_000);
  let rig: FaultRig;
  before(async function () {
    // Fault hooks exist only on the embedded database this test starts; a MONGODB_URI run has none.
    if (process.env.MONGODB_URI) this.skip();
    rig = await startRig();
  });
  after(async () => {
    await rig?.close();
  });

  it('answers 201, a refusal or 503 within the bound, and recovers exact by itself', async () => {
    const sale = await newSale(rig, { units: 300 });
    const watching = await viewers(rig, sale.id, 20);
    const buyers = await rig.callers(600);
    const dropsAt = new Set([60, 200, 350]);
    let drops = 0;
    const answers = await purchaseRush(rig, sale.id, buyers, 40, (done) => {
      if (!dropsAt.has(done)) return;
      rig.db.faults.dropConnections();
      drops += 1;
    });
    expect(drops).to.equal(3);
    expect(badAnswers(answers)).to.deep.equal([]);

    const recovery = await recoverAndCheck(rig, sale.id, buyers, answers, watching);
    for (const v of watching) v.socket.disconnect();
    expect(recovery.ready, '/readyz back to 200').to.equal(true);
    expect(recovery.bad).to.deep.equal([]);
    expect(recovery.ledgerProblems).to.deep.equal([]);
    expect(recovery.answered).to.equal(recovery.documents);
    expect(recovery.documents).to.equal(300);
    expect(recovery.nextPurchase).to.equal(201);
    expect(recovery.converged, 'every socket on the final state').to.equal(true);
  });
});
