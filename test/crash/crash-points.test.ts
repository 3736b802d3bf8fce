import { expect } from 'chai';
import type { CommandMatcher, Pause } from '@flash-sale/embedded-mongo';
import { keyDigest } from '../../server/ledger/key-digest';
import {
  buyers,
  drained,
  firstReadyzStatus,
  killServer,
  ledgerProblemsAtReadiness,
  newSale,
  purchase,
  purchased,
  purchaseDocs,
  replayProblems,
  restartServer,
  saleDoc,
  spawnServer,
  startPauseEnv,
  within,
  type KeyedPurchase,
  type PauseEnv,
  leaderboardItems,
  leaderboardLedgerProblems,
} from '@flash-sale/harness';
import {
  committedPurchaseId,
  outboxRemoval,
  purchaseCommit,
  purchaseInsert,
  reconcileRestore,
  roundOpen,
} from './protocol-steps';

/** How long a step may take to be reached: generous for a loaded machine, bounded all the same. */
const STEP_MS = 15_000;

/**
 * Deterministic crash points: the embedded database stops right after one step of the purchase or round protocol
 * (the write applied, its reply held, later writes of the same kind held before they run), the server is SIGKILLed
 * at that moment, the state is checked to be the one of that step, then a new server starts and, right at
 * readiness, the leaderboard and the ledger must be exact and every repeated Idempotency-Key must answer its
 * first purchase.
 */
describe('kill -9 at each step of the purchase and round protocols', function () {
  this.timeout(60_000);
  let env: PauseEnv;
  const pauses: Pause[] = [];

  const pauseAfter = (matches: CommandMatcher): Pause => {
    const pause = env.database.faults.pauseAfter(matches);
    pauses.push(pause);
    return pause;
  };

  /** Releases the held commands of the killed server (they never run: their client is gone), then restarts. */
  const restartAfterKill = async () => {
    for (const pause of pauses.splice(0)) pause.release();
    await restartServer(env);
  };

  before(async function () {
    this.timeout(120_000);
    env = await startPauseEnv();
  });
  afterEach(async () => {
    // A failed test may leave the database paused or the server dead: the next one starts clean.
    for (const pause of pauses.splice(0)) pause.release();
    if (!(await isUp(env))) await restartServer(env);
  });
  after(async () => {
    await env?.close();
  });

  it('after the sale update, before the purchase insert', async () => {
    const sale = await newSale(env);
    const [first, killed] = await buyers(env, 2);
    await purchased(env, first, sale.id, 1, 'first');
    await drained(env, sale.id);

    const pause = pauseAfter(purchaseCommit);
    const answer = purchase(env, killed, sale.id, 2, 'killed');
    const purchaseId = committedPurchaseId(await within(pause.reached, STEP_MS, 'the purchase commit'));
    await killServer(env);

    expect(await answer).to.equal('no answer');
    const atKill = await saleDoc(env, sale.id);
    expect(atKill.orders).to.equal(2);
    expect(atKill.pending).to.have.property(purchaseId);
    expect(await purchaseDocs(env, [purchaseId])).to.have.property('size', 0);

    await restartAfterKill();
    expect(await ledgerProblemsAtReadiness(env, sale)).to.deep.equal([]);
    const restored = (await env.db.collection('purchases').findOne({ idempotencyKey: 'killed' }))!;
    expect(restored.position).to.equal(2);
    expect(
      await replayProblems(env, [{ buyer: killed, saleId: sale.id, key: 'killed', quantity: 2, purchaseId }]),
    ).to.deep.equal([]);
  });

  it('after the purchase insert, before the outbox drain (and two more after their sale update)', async () => {
    const sale = await newSale(env);
    const killed = await killAfterFirstInsert(sale.id, 3);
    await restartAfterKill();
    expect(await ledgerProblemsAtReadiness(env, sale)).to.deep.equal([]);
    expect(await replayProblems(env, killed)).to.deep.equal([]);
  });

  it('in the middle of the start-up reconciliation', async () => {
    const sale = await newSale(env);
    const killed = await killAfterFirstInsert(sale.id, 3);
    const ids = killed.map((p) => p.purchaseId);
    const withDoc = await purchaseDocs(env, ids);

    // The new server's start-up reconciliation restores the two missing purchases one by one: stop after one.
    for (const pause of pauses.splice(0)) pause.release();
    const restore = pauseAfter(reconcileRestore);
    await spawnServer(env);
    const restoring = await within(restore.reached, STEP_MS, 'the first restore');
    // Not ready while its start-up reconciliation is unfinished (the server already listens).
    expect(await firstReadyzStatus(env)).to.equal(503);
    await killServer(env);

    const restoredId = String(restoring.updates[0].q._id);
    const atKill = await saleDoc(env, sale.id);
    expect(Object.keys(atKill.pending)).to.have.members(ids);
    expect(await purchaseDocs(env, ids))
      .to.have.all.keys(...withDoc, restoredId)
      .and.have.property('size', 2);

    await restartAfterKill();
    expect(await ledgerProblemsAtReadiness(env, sale)).to.deep.equal([]);
    expect(await replayProblems(env, killed)).to.deep.equal([]);
  });

  it('in the middle of an outbox drain', async () => {
    const [saleA, saleB] = [await newSale(env), await newSale(env)];
    const [buyerA, buyerB] = await buyers(env, 2);
    // Both inserts are held, then answered at once: one drain flush then removes both entries, one sale each.
    const inserts = pauseAfter(purchaseInsert);
    const answers = [purchase(env, buyerA, saleA.id, 1, 'a'), purchase(env, buyerB, saleB.id, 2, 'b')];
    await within(inserts.held(2), STEP_MS, 'both purchase inserts');
    const removal = pauseAfter(outboxRemoval);
    inserts.release();
    const [a, b] = await Promise.all(answers);
    expect([a, b].map((r) => (r === 'no answer' ? r : r.status))).to.deep.equal([201, 201]);
    const first = await within(removal.reached, STEP_MS, 'the first outbox removal');
    await within(removal.held(2), STEP_MS, 'the second outbox removal');
    await killServer(env);

    const drainedSale = String(first.updates[0].q._id);
    expect(drainedSale).to.be.oneOf([saleA.id, saleB.id]);
    const keptSale = drainedSale === saleA.id ? saleB.id : saleA.id;
    expect(Object.keys((await saleDoc(env, drainedSale)).pending ?? {})).to.deep.equal([]);
    expect(Object.keys((await saleDoc(env, keptSale)).pending ?? {})).to.have.length(1);
    const killed: KeyedPurchase[] = [
      { buyer: buyerA, saleId: saleA.id, key: 'a', quantity: 1, purchaseId: answerId(a) },
      { buyer: buyerB, saleId: saleB.id, key: 'b', quantity: 2, purchaseId: answerId(b) },
    ];
    expect(
      await purchaseDocs(
        env,
        killed.map((p) => p.purchaseId),
      ),
    ).to.have.property('size', 2);

    await restartAfterKill();
    expect(await ledgerProblemsAtReadiness(env, saleA)).to.deep.equal([]);
    expect(await ledgerProblemsAtReadiness(env, saleB)).to.deep.equal([]);
    expect(await replayProblems(env, killed)).to.deep.equal([]);
  });

  it('while a round opens, with a purchase of the closing round still in the outbox', async () => {
    const sale = await newSale(env, 5);
    const [first, killed] = await buyers(env, 2);
    await purchased(env, first, sale.id, 2, 'first');
    await drained(env, sale.id);

    const commit = pauseAfter(purchaseCommit);
    const answer = purchase(env, killed, sale.id, 1, 'killed');
    const purchaseId = committedPurchaseId(await within(commit.reached, STEP_MS, 'the purchase commit'));
    const open = pauseAfter(roundOpen);
    const opened = env.admin.token;
    const openAnswer = fetch(`${env.server.url}/api/sales/${sale.id}/rounds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opened}` },
      body: JSON.stringify({ startsAt: new Date(Date.now() - 1000).toISOString(), force: true }),
    }).then(
      (res) => res.status,
      () => 'no answer',
    );
    await within(open.reached, STEP_MS, 'the round opening');
    await killServer(env);

    expect(await answer).to.equal('no answer');
    expect(await openAnswer).to.equal('no answer');
    const atKill = await saleDoc(env, sale.id);
    expect(atKill.round).to.equal(2);
    expect(atKill.pending[purchaseId].round).to.equal(1);
    // The key of the purchase still being recorded is carried into the new round.
    expect(atKill.keys).to.have.property(keyDigest(killed.id, 'killed'));
    expect(await purchaseDocs(env, [purchaseId])).to.have.property('size', 0);

    await restartAfterKill();
    expect(await ledgerProblemsAtReadiness(env, sale)).to.deep.equal([]);
    const closing = await leaderboardItems(env.server.url, sale.id, 1);
    expect(leaderboardLedgerProblems(closing, { sold: 3, orders: 2, perUserLimit: 2 })).to.deep.equal([]);
    expect(closing.map((item) => item.user.id)).to.deep.equal([first.id, killed.id]);
    expect(
      await replayProblems(env, [{ buyer: killed, saleId: sale.id, key: 'killed', quantity: 1, purchaseId }]),
    ).to.deep.equal([]);
  });

  /**
   * `count` buyers each send one keyed purchase; the database stops right after the first purchase insert, and
   * holds the inserts of the others (their sale update is done): SIGKILL there. Checks that state and returns
   * the purchases as their buyers would repeat them.
   */
  async function killAfterFirstInsert(saleId: string, count: number): Promise<KeyedPurchase[]> {
    const callers = await buyers(env, count);
    const inserts = pauseAfter(purchaseInsert);
    const answers = [purchase(env, callers[0], saleId, 1, 'k0')];
    const inserted = await within(inserts.reached, STEP_MS, 'the first purchase insert');
    for (let i = 1; i < count; i += 1) answers.push(purchase(env, callers[i], saleId, 1 + (i % 2), `k${i}`));
    await within(inserts.held(count), STEP_MS, 'the other purchase inserts');
    await killServer(env);

    expect(await Promise.all(answers)).to.deep.equal(answers.map(() => 'no answer'));
    const atKill = await saleDoc(env, saleId);
    const entries = Object.entries(atKill.pending as Record<string, { key: string; quantity: number }>);
    expect(entries).to.have.length(count);
    const insertedId = String(inserted.documents[0]._id);
    expect([...(await purchaseDocs(env, Object.keys(atKill.pending)))]).to.deep.equal([insertedId]);
    return entries.map(([purchaseId, entry]) => ({
      buyer: callers[Number(entry.key.slice(1))],
      saleId,
      key: entry.key,
      quantity: entry.quantity,
      purchaseId,
    }));
  }
});

function answerId(reply: { status: number; body: any } | 'no answer'): string {
  if (reply === 'no answer') throw new Error('no answer');
  return reply.body.purchase.id as string;
}

async function isUp(env: PauseEnv): Promise<boolean> {
  return fetch(`${env.server.url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.status === 200,
    () => false,
  );
}
