import { expect } from 'chai';
import { Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { expectCode, setup, writeErrorCode } from './helpers';

describe('engine: update operators', () => {
  function one(doc: Record<string, unknown>, u: unknown, opts: Record<string, unknown> = {}) {
    const t = setup();
    t.insert('c', [{ _id: 1, ...doc }]);
    const reply = t.update(
      'c',
      { _id: 1, ...((opts.q as object) ?? {}) },
      u as never,
      opts.arrayFilters ? { arrayFilters: opts.arrayFilters } : {},
    );
    return { reply, doc: t.find('c', { _id: 1 })[0] };
  }

  describe('field operators', () => {
    it('$set creates nested paths and keeps field order; $unset removes', () => {
      const { reply, doc } = one({ a: 1, b: { c: 2 } }, { $set: { 'b.d.e': 3, z: 1 }, $unset: { a: '' } });
      expect(reply).to.include({ n: 1, nModified: 1 });
      expect(Object.keys(doc)).to.deep.equal(['_id', 'b', 'z']);
      expect(doc.b).to.deep.equal({ c: 2, d: { e: 3 } });
    });

    it('reports nModified 0 for a no-op', () => {
      const { reply } = one(
        { a: 1, b: 2, o: new ObjectId('000000000000000000000001') },
        { $set: { a: 1, o: new ObjectId('000000000000000000000001') }, $inc: { b: 0 } },
      );
      expect(reply).to.include({ n: 1, nModified: 0 });
    });

    it('$inc widens int32 overflow to Long and keeps Long, $mul multiplies, $min/$max compare by BSON order', () => {
      const { doc } = one(
        { a: 2147483647, l: Long.fromNumber(5), m: 3, lo: 5, hi: 5, d: Decimal128.fromString('1.1') },
        {
          $inc: { a: 1, l: 1, d: Decimal128.fromString('0.2') },
          $mul: { m: 2.5 },
          $min: { lo: Decimal128.fromString('4.5') },
          $max: { hi: 4 },
        },
      );
      expect(doc.a).to.be.instanceOf(Long);
      expect(String(doc.a)).to.equal('2147483648');
      expect(doc.l).to.be.instanceOf(Long);
      expect(String(doc.l)).to.equal('6');
      expect(String(doc.d)).to.equal('1.3');
      expect(doc.m).to.equal(7.5);
      expect(String(doc.lo)).to.equal('4.5');
      expect(doc.hi).to.equal(5);
    });

    it('fails $inc on a string with TypeMismatch (14) and leaves the document alone', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, a: 'x' }]);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $inc: { a: 1 } }))).to.equal(14);
      expect(t.find('c')[0].a).to.equal('x');
    });

    it('fails on conflicting paths (40), on changing _id (66), and on a path through a scalar (28)', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, a: 5 }]);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { a: 1 }, $inc: { 'a.b': 1 } }))).to.equal(40);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { _id: 2 } }))).to.equal(66);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { 'a.b': 1 } }))).to.equal(28);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $foo: { a: 1 } }))).to.equal(9);
      expect(t.find('c')[0]).to.deep.equal({ _id: 1, a: 5 });
    });

    it('allows $set of _id to the same value', () => {
      expect(one({ a: 1 }, { $set: { _id: 1, a: 2 } }).doc).to.deep.equal({ _id: 1, a: 2 });
    });

    it('$rename moves, $currentDate sets Date or Timestamp, $bit works on ints', () => {
      const { doc } = one(
        { a: 1, flags: 5 },
        {
          $rename: { a: 'b.c' },
          $currentDate: { at: true, ts: { $type: 'timestamp' } },
          $bit: { flags: { and: 4, or: 8 } },
        },
      );
      expect(doc.b).to.deep.equal({ c: 1 });
      expect('a' in doc).to.equal(false);
      expect(doc.at).to.be.instanceOf(Date);
      expect(doc.ts).to.be.instanceOf(Timestamp);
      expect(doc.flags).to.equal(12);
    });
  });

  describe('array operators', () => {
    it('$push with $each, $position, $sort and $slice', () => {
      const { doc } = one(
        { s: [{ v: 3 }, { v: 1 }] },
        { $push: { s: { $each: [{ v: 2 }, { v: 5 }], $sort: { v: -1 }, $slice: 3 } } },
      );
      expect(doc.s).to.deep.equal([{ v: 5 }, { v: 3 }, { v: 2 }]);
      const p = one({ a: [1, 2] }, { $push: { a: { $each: [9], $position: 1 } } }).doc;
      expect(p.a).to.deep.equal([1, 9, 2]);
    });

    it('$addToSet deduplicates by BSON equality, $pull by condition, $pullAll by value, $pop at either end', () => {
      const { doc } = one(
        { a: [1, 2], b: [1, 5, 7, 2], c: [{ x: 1 }, { x: 2 }], d: [1, 2, 3], e: [1, 2, 3] },
        {
          $addToSet: { a: { $each: [Long.fromNumber(1), 3] } },
          $pull: { b: { $gte: 5 }, c: { x: 2 } },
          $pullAll: { d: [1, 3] },
          $pop: { e: -1 },
        },
      );
      expect(doc.a).to.deep.equal([1, 2, 3]);
      expect(doc.b).to.deep.equal([1, 2]);
      expect(doc.c).to.deep.equal([{ x: 1 }]);
      expect(doc.d).to.deep.equal([2]);
      expect(doc.e).to.deep.equal([2, 3]);
    });

    it('positional $ updates the element the query matched', () => {
      const { doc } = one(
        {
          items: [
            { sku: 'a', q: 1 },
            { sku: 'b', q: 1 },
          ],
        },
        { $inc: { 'items.$.q': 5 } },
        { q: { 'items.sku': 'b' } },
      );
      expect(doc.items).to.deep.equal([
        { sku: 'a', q: 1 },
        { sku: 'b', q: 6 },
      ]);
    });

    it('$[] updates every element and $[id] the ones arrayFilters select', () => {
      const all = one({ a: [{ n: 1 }, { n: 2 }] }, { $inc: { 'a.$[].n': 10 } }).doc;
      expect(all.a).to.deep.equal([{ n: 11 }, { n: 12 }]);
      const some = one(
        { a: [{ n: 1 }, { n: 5 }, { n: 9 }] },
        { $set: { 'a.$[big].hit': true } },
        { arrayFilters: [{ 'big.n': { $gte: 5 } }] },
      ).doc;
      expect(some.a).to.deep.equal([{ n: 1 }, { n: 5, hit: true }, { n: 9, hit: true }]);
    });

    it('rejects a $[id] without its array filter and an unused array filter', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, a: [1] }]);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { 'a.$[x]': 2 } }))).to.equal(2);
      expect(
        writeErrorCode(t.update('c', { _id: 1 }, { $set: { a: [2] } }, { arrayFilters: [{ x: 1 }] })),
      ).to.equal(9);
    });

    it('leaves a version the oplog holds (the inserted one) unchanged', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, n: { a: [1, 2], b: { c: 1 } } }]);
      const before = t.engine.view('test', 'c').docs()[0];
      t.update('c', { _id: 1 }, { $push: { 'n.a': 3 }, $set: { 'n.b.c': 2 } });
      expect(before).to.deep.equal({ _id: 1, n: { a: [1, 2], b: { c: 1 } } });
      expect(t.find('c')[0]).to.deep.equal({ _id: 1, n: { a: [1, 2, 3], b: { c: 2 } } });
    });
  });

  describe('replacement and pipeline updates', () => {
    it('replaces keeping _id first, and refuses a different _id (66)', () => {
      const t = setup();
      t.insert('c', [{ _id: 1, a: 1 }]);
      t.update('c', { _id: 1 }, { b: 2, _id: 1 });
      expect(t.find('c')).to.deep.equal([{ _id: 1, b: 2 }]);
      expect(writeErrorCode(t.update('c', { _id: 1 }, { _id: 2 }))).to.equal(66);
    });

    it('runs pipeline updates', () => {
      const { doc } = one({ a: 2, b: 3 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'a' }]);
      expect(doc).to.deep.equal({ _id: 1, b: 3, sum: 5 });
    });

    it('updates many with multi and counts matched vs modified', () => {
      const t = setup();
      t.insert('c', [
        { _id: 1, a: 1 },
        { _id: 2, a: 1 },
        { _id: 3, a: 2 },
      ]);
      expect(t.update('c', { a: { $gte: 1 } }, { $set: { a: 1 } }, { multi: true })).to.include({
        n: 3,
        nModified: 1,
      });
    });
  });

  describe('upsert', () => {
    it('builds the document from the filter equalities ($and, dotted paths, $eq) then applies the update', () => {
      const t = setup();
      const reply = t.update(
        'c',
        { $and: [{ k: 'v' }, { 'n.x': { $eq: 1 } }], z: { $gt: 5 } },
        { $set: { b: 2 }, $setOnInsert: { created: true } },
        { upsert: true },
      );
      expect(reply.n).to.equal(1);
      expect(reply.nModified).to.equal(0);
      expect(reply.upserted).to.have.length(1);
      const [doc] = t.find('c');
      expect(Object.keys(doc)[0]).to.equal('_id');
      expect(doc._id).to.be.instanceOf(ObjectId);
      expect(doc).to.deep.include({ k: 'v', n: { x: 1 }, b: 2, created: true });
      expect(doc.upserted).to.equal(undefined);
    });

    it('takes _id from the filter, and ignores $setOnInsert when the document exists', () => {
      const t = setup();
      t.update('c', { _id: 7 }, { $inc: { n: 1 }, $setOnInsert: { first: true } }, { upsert: true });
      t.update('c', { _id: 7 }, { $inc: { n: 1 }, $setOnInsert: { first: false } }, { upsert: true });
      expect(t.find('c')).to.deep.equal([{ _id: 7, n: 2, first: true }]);
    });

    it('findAndModify upsert reports upserted and returns the new document', () => {
      const t = setup();
      const r = t.run({
        findAndModify: 'c',
        query: { _id: 'x' },
        update: { $inc: { n: 1 } },
        upsert: true,
        new: true,
      });
      expect(r.lastErrorObject).to.deep.equal({ n: 1, updatedExisting: false, upserted: 'x' });
      expect(r.value).to.deep.equal({ _id: 'x', n: 1 });
    });
  });

  it('findAndModify returns the old or new document, projected, and removes', () => {
    const t = setup();
    t.insert('c', [
      { _id: 1, a: 1, b: 1 },
      { _id: 2, a: 2, b: 2 },
    ]);
    const before = t.run({
      findAndModify: 'c',
      query: {},
      sort: { a: -1 },
      update: { $inc: { a: 10 } },
      fields: { a: 1 },
    });
    expect(before.value).to.deep.equal({ _id: 2, a: 2 });
    expect(before.lastErrorObject).to.deep.equal({ n: 1, updatedExisting: true });
    const removed = t.run({ findAndModify: 'c', query: { _id: 1 }, remove: true });
    expect(removed.value).to.deep.equal({ _id: 1, a: 1, b: 1 });
    expect(t.find('c')).to.deep.equal([{ _id: 2, a: 12, b: 2 }]);
    expectCode(() => t.run({ findAndModify: 'c', query: {}, update: { $set: { a: 1 } }, remove: true }), 9);
  });
});
