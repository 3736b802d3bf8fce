import { expect } from 'chai';
import { UpdateCoalescer } from '../../server/live/coalescer';
import type { LiveSaleState } from '../../server/live/sale-state';

function state(version: number, saleId = 's1'): LiveSaleState {
  return {
    saleId,
    round: 1,
    units: 100,
    remaining: 100 - version,
    sold: version,
    startsAt: new Date(0),
    version,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('live UpdateCoalescer', () => {
  const windowMs = 30;
  let emitted: LiveSaleState[];
  let coalescer: UpdateCoalescer;

  beforeEach(() => {
    emitted = [];
    coalescer = new UpdateCoalescer(windowMs, (s) => emitted.push(s));
  });
  afterEach(() => coalescer.close());

  describe('when a sale is quiet', () => {
    it('emits the first change at once', () => {
      coalescer.offer(state(1));
      expect(emitted.map((s) => s.version)).to.deep.equal([1]);
    });
  });

  describe('during a rush', () => {
    it('folds the changes of one window into the newest and emits it when the window ends', async () => {
      for (let v = 1; v <= 10; v += 1) coalescer.offer(state(v));
      expect(emitted.map((s) => s.version)).to.deep.equal([1]);
      await sleep(windowMs * 3);
      expect(emitted.map((s) => s.version)).to.deep.equal([1, 10]);
    });

    it('never emits a lower version after a higher one', async () => {
      coalescer.offer(state(5));
      coalescer.offer(state(3));
      coalescer.offer(state(7));
      coalescer.offer(state(6));
      await sleep(windowMs * 3);
      coalescer.offer(state(4));
      await sleep(windowMs * 3);
      expect(emitted.map((s) => s.version)).to.deep.equal([5, 7]);
    });

    it('keeps sales apart', async () => {
      coalescer.offer(state(1, 'a'));
      coalescer.offer(state(1, 'b'));
      coalescer.offer(state(2, 'a'));
      await sleep(windowMs * 3);
      expect(emitted.map((s) => `${s.saleId}${s.version}`)).to.deep.equal(['a1', 'b1', 'a2']);
    });
  });

  describe('forced re-send', () => {
    it('re-emits an equal version only when forced', async () => {
      coalescer.offer(state(2));
      await sleep(windowMs * 3);
      coalescer.offer(state(2));
      coalescer.offer(state(2), true);
      expect(emitted.map((s) => s.version)).to.deep.equal([2, 2]);
    });
  });

  describe('close', () => {
    it('emits what is still queued and nothing after', () => {
      coalescer.offer(state(1));
      coalescer.offer(state(2));
      coalescer.close();
      coalescer.offer(state(3));
      expect(emitted.map((s) => s.version)).to.deep.equal([1, 2]);
    });
  });
});
