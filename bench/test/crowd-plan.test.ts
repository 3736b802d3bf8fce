import { expect } from 'chai';
import { idempotencyKey, MAX_KEY_CHARS, median, pairOrder, pairRatios, planCrowd } from '../lib/crowd-plan';

describe('bench: the crowd row plan (the 10,000th buyer vs the 300th)', () => {
  it("fills the large sale so its last measured purchase takes the round's last unit", () => {
    const plan = planCrowd({ units: 10_000, small: 300, pairs: 7, perRun: 40, warmUp: 20 });
    expect(plan.measuredPerSale).to.equal(300);
    expect(plan.fillLarge + plan.measuredPerSale).to.equal(10_000);
    expect(plan.fillSmall).to.equal(280);
    // The small sale's first measured purchase is its buyer 301; the large sale's first is buyer 9,721.
    expect(plan.fillSmall + plan.warmUp + 1).to.equal(301);
    expect(plan.large + 1).to.equal(9_721);
  });

  it('refuses plans that leave no crowd or have no measured purchase', () => {
    expect(() => planCrowd({ units: 600, small: 300, pairs: 7, perRun: 40, warmUp: 20 })).to.throw(
      /large crowd/,
    );
    expect(() => planCrowd({ units: 10_000, small: 10, pairs: 1, perRun: 1, warmUp: 20 })).to.throw(
      /warm-up/,
    );
    expect(() => planCrowd({ units: 10_000, small: 300, pairs: 0, perRun: 40, warmUp: 20 })).to.throw(
      /one pair/,
    );
    expect(() => planCrowd({ units: 10_000, small: 300, pairs: 1.5, perRun: 40, warmUp: 20 })).to.throw(
      /whole/,
    );
  });

  it('makes keys of the longest length the contract allows, distinct per tag and index', () => {
    const keys = new Set<string>();
    for (const tag of ['s1', 'l1'])
      for (let i = 0; i < 1000; i += 1) {
        const key = idempotencyKey(tag, i, 'abc');
        expect(key)
          .to.have.length(MAX_KEY_CHARS)
          .and.match(/^[\x21-\x7e]+$/);
        keys.add(key);
      }
    expect(keys.size).to.equal(2000);
    expect(() => idempotencyKey('x', 1, 'a b')).to.throw(/visible ASCII/);
    expect(() => idempotencyKey('x'.repeat(300), 1, 'a')).to.throw(/longer/);
  });

  it('alternates which sale runs first, and takes the median of the pairs', () => {
    expect([0, 1, 2].map(pairOrder)).to.deep.equal([
      ['small', 'large'],
      ['large', 'small'],
      ['small', 'large'],
    ]);
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(Number.isNaN(median([]))).to.equal(true);
    const { ratios, ratio } = pairRatios([
      { small: [10, 10, 10], large: [20, 20, 20] },
      { small: [10], large: [10] },
      { small: [10], large: [15] },
    ]);
    expect(ratios).to.deep.equal([2, 1, 1.5]);
    expect(ratio).to.equal(1.5);
  });
});
