import { expect } from 'chai';
import { mergeUpdatedFields, stateFromDocument, toSaleUpdate } from '../../server/live/sale-state';
import { StockCache } from '../../server/live/stock-cache';

const startsAt = new Date('2030-01-01T00:00:00Z');
const doc = { _id: 'abc', round: 1, units: 10, remaining: 10, sold: 0, startsAt, version: 3, buyers: {} };

describe('live sale state', () => {
  describe('stateFromDocument', () => {
    it('keeps the live fields of a whole document', () => {
      expect(stateFromDocument(doc)).to.deep.equal({
        saleId: 'abc',
        round: 1,
        units: 10,
        remaining: 10,
        sold: 0,
        startsAt,
        version: 3,
      });
    });

    it('refuses a document that lacks a field', () => {
      expect(stateFromDocument({ ...doc, remaining: undefined })).to.equal(null);
      expect(stateFromDocument(null)).to.equal(null);
    });
  });

  describe('mergeUpdatedFields', () => {
    const known = stateFromDocument(doc)!;

    it('applies the next version', () => {
      const result = mergeUpdatedFields(known, { remaining: 9, sold: 1, version: 4, 'buyers.u.q': 1 });
      expect(result).to.deep.equal({ kind: 'newer', state: { ...known, remaining: 9, sold: 1, version: 4 } });
    });

    it('applies a new round with its start', () => {
      const next = new Date('2031-01-01T00:00:00Z');
      const result = mergeUpdatedFields(known, {
        round: 2,
        remaining: 10,
        sold: 0,
        startsAt: next,
        version: 4,
      });
      expect(result).to.deep.equal({
        kind: 'newer',
        state: { ...known, round: 2, startsAt: next, version: 4 },
      });
    });

    it('ignores what is already known', () => {
      expect(mergeUpdatedFields(known, { remaining: 10, version: 3 })).to.deep.equal({ kind: 'stale' });
    });

    it('asks for a read when a version was missed or is absent', () => {
      expect(mergeUpdatedFields(known, { remaining: 5, version: 6 })).to.deep.equal({ kind: 'unknown' });
      expect(mergeUpdatedFields(known, { remaining: 5 })).to.deep.equal({ kind: 'unknown' });
    });
  });

  describe('toSaleUpdate', () => {
    const known = stateFromDocument(doc)!;

    it('derives the status from the clock and the stock', () => {
      expect(toSaleUpdate(known, new Date('2029-12-31T23:59:59Z')).status).to.equal('scheduled');
      expect(toSaleUpdate(known, new Date('2030-01-01T00:00:00Z')).status).to.equal('active');
      expect(
        toSaleUpdate({ ...known, remaining: 0, sold: 10 }, new Date('2030-02-01T00:00:00Z')).status,
      ).to.equal('sold_out');
    });

    it('has exactly the contract fields', () => {
      const at = new Date('2030-01-02T00:00:00Z');
      expect(toSaleUpdate(known, at)).to.deep.equal({
        saleId: 'abc',
        round: 1,
        units: 10,
        remaining: 10,
        sold: 0,
        status: 'active',
        version: 3,
        at: at.toISOString(),
      });
    });
  });

  describe('StockCache', () => {
    it('says sold out only for that exact round at 0 and only moves forward', () => {
      const cache = new StockCache();
      const base = stateFromDocument(doc)!;
      expect(cache.isSoldOut('abc', 1)).to.equal(false);
      expect(cache.offer({ ...base, remaining: 0, sold: 10, version: 5 })).to.equal(true);
      expect(cache.isSoldOut('abc', 1)).to.equal(true);
      expect(cache.isSoldOut('abc', 2)).to.equal(false);
      expect(cache.offer({ ...base, version: 4 })).to.equal(false);
      expect(cache.isSoldOut('abc', 1)).to.equal(true);
      expect(cache.offer({ ...base, round: 2, version: 6 })).to.equal(true);
      expect(cache.isSoldOut('abc', 1)).to.equal(false);
    });

    it('keeps a round this process saw sold out until the stream reports a newer one', () => {
      const cache = new StockCache();
      const base = stateFromDocument(doc)!;
      cache.offer({ ...base, remaining: 3, sold: 7, version: 5 });
      cache.noteSoldOut('abc', 1);
      expect(cache.isSoldOut('abc', 1), 'before the stream says so').to.equal(true);
      expect(cache.isSoldOut('abc', 2)).to.equal(false);
      cache.offer({ ...base, remaining: 0, sold: 10, version: 6 });
      expect(cache.isSoldOut('abc', 1)).to.equal(true);
      cache.offer({ ...base, round: 2, remaining: 10, sold: 0, version: 7 });
      expect(cache.isSoldOut('abc', 1), 'a newer round is known').to.equal(false);
      expect(cache.isSoldOut('abc', 2)).to.equal(false);

      cache.noteSoldOut('xyz', 4);
      expect(cache.isSoldOut('xyz', 4), 'a sale the stream never reported').to.equal(true);
      cache.noteSoldOut('xyz', 3);
      expect(cache.isSoldOut('xyz', 4), 'a late note of an older round does not replace it').to.equal(true);
      expect(cache.isSoldOut('xyz', 3)).to.equal(false);
      cache.forget('xyz');
      expect(cache.isSoldOut('xyz', 4)).to.equal(false);
      cache.noteSoldOut('xyz', 4);
      cache.forget();
      expect(cache.isSoldOut('xyz', 4)).to.equal(false);
    });
  });
});
