import { expect } from 'chai';
import { Decimal128, Long } from 'bson';
import type { Doc } from '../../src/engine/types';
import { setup } from './helpers';

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function stageNames(plan: Doc): string[] {
  const out: string[] = [];
  for (let s: Doc | undefined = plan; s; s = s.inputStage) out.push(s.stage);
  return out;
}

function findStage(plan: Doc, stage: string): Doc | undefined {
  for (let s: Doc | undefined = plan; s; s = s.inputStage) if (s.stage === stage) return s;
  return undefined;
}

describe('engine: query planner', () => {
  describe('index walks give the same results as collection scans (randomised)', () => {
    const random = rng(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
    const bValue = (): unknown =>
      pick([
        () => Math.floor(random() * 10),
        () => random() * 10,
        () => Long.fromNumber(Math.floor(random() * 10)),
        () => Decimal128.fromString((random() * 10).toFixed(2)),
        () => 'str' + Math.floor(random() * 3),
        () => null,
        () => undefined,
      ])();
    const docs: Doc[] = [];
    for (let u = 0; u < 400; u++) {
      const d: Doc = { _id: u, a: Math.floor(random() * 4), u };
      const b = bValue();
      if (b !== undefined) d.b = b;
      if (random() < 0.3) d.tags = [pick(['x', 'y', 'z']), pick(['x', 'w'])];
      docs.push(d);
    }
    const indexed = setup();
    const plain = setup();
    indexed.insert('c', docs);
    plain.insert('c', docs);
    indexed.run({
      createIndexes: 'c',
      indexes: [
        { key: { a: 1, b: 1, u: 1 } },
        { key: { b: -1, u: -1 } },
        { key: { a: 1, u: 1 } },
        { key: { tags: 1 } },
      ],
    });

    const ops = ['$gt', '$gte', '$lt', '$lte'];
    let usedIndex = 0;
    for (let q = 0; q < 300; q++) {
      const filter: Doc = {};
      if (random() < 0.6) filter.a = Math.floor(random() * 4);
      if (random() < 0.6) {
        const range: Doc = { [pick(ops)]: Math.floor(random() * 10) };
        if (random() < 0.4) range[pick(ops)] = random() * 10;
        filter.b = range;
      }
      if (random() < 0.15) filter.tags = pick(['x', 'y', 'w']);
      const dir = random() < 0.5 ? 1 : -1;
      const sort = pick([
        {},
        { u: dir },
        { b: dir, u: dir },
        { a: dir, b: dir, u: dir },
        { b: dir, u: -dir },
      ]);
      const limit = pick([0, 1, 5, 20]);
      // Without a sort the order is unspecified, so which documents a skip drops is too.
      const skip = Object.keys(sort).length === 0 ? 0 : pick([0, 0, 3]);
      const opts = { sort, limit, skip };
      it(`query ${q}: ${JSON.stringify({ filter, ...opts })}`, () => {
        const expected = plain.find('c', filter, opts);
        const actual = indexed.find('c', filter, opts);
        if (Object.keys(sort).length === 0) {
          const byId = (x: Doc, y: Doc) => x._id - y._id;
          if (limit === 0) expect(actual.sort(byId)).to.deep.equal(expected.sort(byId));
          else expect(actual.length).to.equal(expected.length);
        } else expect(actual).to.deep.equal(expected);
        const plan = indexed.run({ explain: { find: 'c', filter, ...opts } }).queryPlanner.winningPlan;
        if (findStage(plan, 'IXSCAN')) usedIndex++;
      });
    }
    it('used an index for most of those queries', () => {
      expect(usedIndex).to.be.above(150);
    });
  });

  describe('explain', () => {
    const t = setup();
    t.insert(
      'c',
      Array.from({ length: 50 }, (_, i) => ({ _id: i, s: i % 5, r: i % 2, p: i })),
    );
    t.run({ createIndexes: 'c', indexes: [{ key: { s: 1, r: 1, p: 1 }, name: 'srp' }] });

    it('shows LIMIT > FETCH > IXSCAN with the index name and key pattern for an indexed, sorted, limited find', () => {
      const r = t.run({
        explain: { find: 'c', filter: { s: 1, r: 1, p: { $gt: 3 } }, sort: { p: 1 }, limit: 2 },
        verbosity: 'executionStats',
      });
      const plan = r.queryPlanner.winningPlan;
      expect(stageNames(plan)).to.deep.equal(['LIMIT', 'FETCH', 'IXSCAN']);
      expect(findStage(plan, 'IXSCAN')).to.deep.include({
        indexName: 'srp',
        keyPattern: { s: 1, r: 1, p: 1 },
        direction: 'forward',
      });
      expect(r.executionStats.nReturned).to.equal(2);
      expect(r.executionStats.totalDocsExamined).to.equal(2);
    });

    it('walks the index backwards for the reverse sort', () => {
      const plan = t.run({ explain: { find: 'c', filter: { s: 1, r: 1 }, sort: { p: -1 } } }).queryPlanner
        .winningPlan;
      expect(findStage(plan, 'IXSCAN')!.direction).to.equal('backward');
      expect(findStage(plan, 'SORT')).to.equal(undefined);
    });

    it('falls back to COLLSCAN (with an in-memory SORT) when no index applies', () => {
      const plan = t.run({ explain: { find: 'c', filter: { r: 1 }, sort: { p: 1 } } }).queryPlanner
        .winningPlan;
      expect(stageNames(plan)).to.deep.equal(['SORT', 'COLLSCAN']);
    });

    it('uses IDHACK for an _id equality', () => {
      expect(t.run({ explain: { find: 'c', filter: { _id: 3 } } }).queryPlanner.winningPlan.stage).to.equal(
        'IDHACK',
      );
    });

    it('explains an aggregate whose first stage is $match, with $sort and $limit pushed into the plan', () => {
      const r = t.run({
        explain: {
          aggregate: 'c',
          pipeline: [{ $match: { s: 2, r: 0 } }, { $sort: { p: 1 } }, { $limit: 3 }],
          cursor: {},
        },
      });
      expect(stageNames(r.queryPlanner.winningPlan)).to.deep.equal(['LIMIT', 'FETCH', 'IXSCAN']);
      const scan = t.run({
        aggregate: 'c',
        pipeline: [{ $match: { p: { $gte: 0 } } }, { $group: { _id: null, n: { $sum: 1 } } }],
        explain: true,
      });
      expect(stageNames(scan.queryPlanner.winningPlan)).to.deep.equal(['COLLSCAN']);
      expect(scan.stages[1]).to.deep.equal({ $group: { _id: null, n: { $sum: 1 } } });
    });
  });

  describe('leaderboard page cost does not grow with the collection', () => {
    function examined(total: number): number {
      const t = setup();
      const docs: Doc[] = [];
      for (let i = 0; i < total; i++) docs.push({ _id: i, saleId: i % 2, round: 1, position: i });
      t.insert('p', docs);
      t.run({ createIndexes: 'p', indexes: [{ key: { saleId: 1, round: 1, position: 1 } }] });
      const r = t.run({
        explain: {
          find: 'p',
          filter: { saleId: 0, round: 1, position: { $gt: total / 2 } },
          sort: { position: 1 },
          limit: 50,
        },
        verbosity: 'executionStats',
      });
      expect(r.executionStats.nReturned).to.equal(50);
      return r.executionStats.totalKeysExamined + r.executionStats.totalDocsExamined;
    }

    it('examines the same number of keys and documents for 1,000 and 100,000 purchases', () => {
      expect(examined(100_000)).to.equal(examined(1_000));
    });
  });

  it('serves $in on _id and ranges on _id', () => {
    const t = setup();
    t.insert('c', [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    expect(t.find('c', { _id: { $in: [3, 1, 9] } }, { sort: { _id: 1 } })).to.deep.equal([
      { _id: 1 },
      { _id: 3 },
    ]);
    expect(t.find('c', { _id: { $gte: 2 } }, { sort: { _id: -1 } })).to.deep.equal([{ _id: 3 }, { _id: 2 }]);
  });
});
