import { PurchaseBatcher } from '../../server/live/purchase-batcher';
import { PurchaseStamps } from '../../server/live/purchase-stamps';
import { expect } from 'chai';
import { UpdateCoalescer } from '../../server/live/coalescer';
import { LiveSales } from '../../server/live/live-sales';
import type { LiveSaleState } from '../../server/live/sale-state';
import { StockCache } from '../../server/live/stock-cache';
import { silentLogger } from './harness';

const startsAt = new Date(0);
const at = (version: number, remaining: number, round = 1): LiveSaleState => ({
  saleId: 's1',
  round,
  units: 10,
  remaining,
  sold: 10 - remaining,
  startsAt,
  version,
});

describe('live LiveSales', () => {
  let db: LiveSaleState | null;
  let reads: number;
  let emitted: LiveSaleState[];
  let cache: StockCache;
  let coalescer: UpdateCoalescer;
  let live: LiveSales;

  beforeEach(() => {
    db = at(5, 6);
    reads = 0;
    emitted = [];
    cache = new StockCache();
    // A zero window: a state offered right after an emit waits only for the next timer tick.
    coalescer = new UpdateCoalescer(0, (s) => emitted.push(s));
    live = new LiveSales({
      cache,
      coalescer,
      purchases: new PurchaseBatcher(0, () => undefined),
      stamps: new PurchaseStamps(async () => null),
      logger: silentLogger,
      readState: async () => {
        reads += 1;
        return db;
      },
    });
  });
  afterEach(() => coalescer.close());

  it('reads an unknown sale once, then merges the deltas that follow', async () => {
    await live.applyChange({
      operationType: 'update',
      saleId: 's1',
      updatedFields: { remaining: 6, version: 5 },
    });
    await live.applyChange({
      operationType: 'update',
      saleId: 's1',
      updatedFields: { remaining: 5, sold: 5, version: 6 },
    });
    expect(reads).to.equal(1);
    expect(cache.get('s1')).to.deep.equal(at(6, 5));
  });

  it('reads again when a version was skipped, instead of trusting the delta', async () => {
    cache.offer(at(5, 6));
    db = { ...at(8, 3, 2) };
    await live.applyChange({
      operationType: 'update',
      saleId: 's1',
      updatedFields: { remaining: 3, sold: 7, version: 8 },
    });
    expect(reads).to.equal(1);
    expect(cache.get('s1')).to.deep.equal(at(8, 3, 2));
  });

  it('ignores a delta it already has', async () => {
    cache.offer(at(5, 6));
    await live.applyChange({
      operationType: 'update',
      saleId: 's1',
      updatedFields: { remaining: 7, version: 4 },
    });
    expect(reads).to.equal(0);
    expect(cache.get('s1')?.version).to.equal(5);
  });

  it('takes inserts whole', async () => {
    await live.applyChange({
      operationType: 'insert',
      saleId: 's1',
      fullDocument: { round: 1, units: 10, remaining: 10, sold: 0, startsAt, version: 1 },
    });
    expect(reads).to.equal(0);
    expect(cache.get('s1')).to.deep.equal(at(1, 10));
    expect(emitted.map((s) => s.version)).to.deep.equal([1]);
  });

  it('rebuilds: forgets every state and re-sends the watched sales even at the same version', async () => {
    cache.offer(at(5, 6));
    cache.offer({ ...at(2, 8), saleId: 'other' });
    coalescer.offer(at(5, 6));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await live.rebuild(['s1']);
    expect(cache.get('other')).to.equal(undefined);
    expect(emitted.map((s) => s.version)).to.deep.equal([5, 5]);
  });
});
