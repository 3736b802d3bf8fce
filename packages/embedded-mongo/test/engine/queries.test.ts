import { expect } from 'chai';
import { Decimal128, Long, MinKey, ObjectId } from 'bson';
import { expectCode, setup } from './helpers';

describe('engine: queries', () => {
  const oid = new ObjectId('65f000000000000000000001');
  const t = setup();
  t.insert('c', [
    {
      _id: 1,
      n: 1,
      s: 'a',
      tags: ['x', 'y'],
      o: oid,
      sub: { a: 1, b: 2 },
      items: [
        { k: 1, v: 'p' },
        { k: 2, v: 'q' },
      ],
    },
    { _id: 2, n: Long.fromNumber(7), s: 'B', tags: [], sub: { b: 2, a: 1 }, items: [{ k: 3 }] },
    { _id: 3, n: Decimal128.fromString('2.5'), s: 'a\nb', nul: null },
    { _id: 4, n: 'text' },
  ]);
  const ids = (filter: object, opts: object = {}) =>
    t.find('c', filter, { sort: { _id: 1 }, ...opts }).map((d) => d._id);

  it('compares numbers by value across types, with type bracketing', () => {
    expect(ids({ n: { $gte: 2 } })).to.deep.equal([2, 3]);
    expect(ids({ n: 7 })).to.deep.equal([2]);
    expect(ids({ n: { $in: [Decimal128.fromString('1.0'), 99] } })).to.deep.equal([1]);
    expect(ids({ n: { $gt: '' } })).to.deep.equal([4]);
    expect(ids({ n: { $gt: new MinKey() } })).to.deep.equal([1, 2, 3, 4]);
  });

  it('matches null against null and missing, and $ne/$nin the opposite', () => {
    expect(ids({ nul: null })).to.deep.equal([1, 2, 3, 4]);
    expect(ids({ o: null })).to.deep.equal([2, 3, 4]);
    expect(ids({ o: { $ne: null } })).to.deep.equal([1]);
    expect(ids({ o: { $in: [null] } })).to.deep.equal([2, 3, 4]);
  });

  it('matches arrays by element and as a whole, and paths through arrays', () => {
    expect(ids({ tags: 'y' })).to.deep.equal([1]);
    expect(ids({ tags: ['x', 'y'] })).to.deep.equal([1]);
    expect(ids({ tags: { $size: 0 } })).to.deep.equal([2]);
    expect(ids({ 'items.k': { $gt: 1 } })).to.deep.equal([1, 2]);
    expect(ids({ items: { $elemMatch: { k: 1, v: 'p' } } })).to.deep.equal([1]);
  });

  it('compares embedded documents in field order', () => {
    expect(ids({ sub: { a: 1, b: 2 } })).to.deep.equal([1]);
  });

  it('matches ObjectIds and $type by BSON aliases', () => {
    expect(ids({ o: new ObjectId(oid.toHexString()) })).to.deep.equal([1]);
    expect(ids({ o: { $type: 'objectId' } })).to.deep.equal([1]);
    expect(ids({ n: { $type: 'long' } })).to.deep.equal([2]);
    expect(ids({ n: { $type: 'decimal' } })).to.deep.equal([3]);
    expect(ids({ n: { $type: 'number' } })).to.deep.equal([1, 2, 3]);
    expect(ids({ n: { $type: 16 } })).to.deep.equal([1]);
  });

  it('supports $regex with options, including s and x', () => {
    expect(ids({ s: { $regex: '^a.b$', $options: 's' } })).to.deep.equal([3]);
    expect(ids({ s: { $regex: '^ b $ # the letter', $options: 'xi' } })).to.deep.equal([2]);
    expect(ids({ s: /^A/i })).to.deep.equal([1, 3]);
  });

  it('sorts in BSON order, arrays by their smallest element ascending and largest descending', () => {
    const s = setup();
    s.insert('c', [
      { _id: 1, v: [1, 9] },
      { _id: 2, v: 5 },
      { _id: 3, v: 'a' },
      { _id: 4 },
      { _id: 5, v: Long.fromNumber(3) },
    ]);
    expect(s.find('c', {}, { sort: { v: 1 } }).map((d) => d._id)).to.deep.equal([4, 1, 5, 2, 3]);
    expect(s.find('c', {}, { sort: { v: -1 } }).map((d) => d._id)).to.deep.equal([3, 1, 2, 5, 4]);
  });

  it('projects with _id first and document order kept, dotted inclusion, exclusion, $slice, $elemMatch and positional', () => {
    expect(t.find('c', { _id: 1 }, { projection: { s: 1, 'sub.b': 1 } })).to.deep.equal([
      { _id: 1, s: 'a', sub: { b: 2 } },
    ]);
    expect(
      t.find('c', { _id: 1 }, { projection: { _id: 0, tags: 0, items: 0, sub: 0, o: 0 } }),
    ).to.deep.equal([{ n: 1, s: 'a' }]);
    expect(t.find('c', { _id: 1 }, { projection: { tags: { $slice: 1 }, items: 0 } })[0].tags).to.deep.equal([
      'x',
    ]);
    expect(t.find('c', { _id: 1 }, { projection: { items: { $elemMatch: { k: 2 } } } })).to.deep.equal([
      { _id: 1, items: [{ k: 2, v: 'q' }] },
    ]);
    expect(t.find('c', { 'items.k': 2 }, { projection: { 'items.$': 1 } })).to.deep.equal([
      { _id: 1, items: [{ k: 2, v: 'q' }] },
    ]);
    expectCode(() => t.find('c', {}, { projection: { a: 1, b: 0 } }), 31254);
  });

  it('skips and limits after sorting; a negative limit counts like a positive one', () => {
    expect(ids({}, { sort: { _id: -1 }, skip: 1, limit: -2 })).to.deep.equal([3, 2]);
  });

  it('never hands out the stored documents', () => {
    const [doc] = t.find('c', { _id: 1 });
    doc.sub.a = 42;
    doc.tags.push('z');
    expect(t.find('c', { _id: 1 })[0].sub.a).to.equal(1);
    expect(t.engine.findById('test', 'c', 1)!.tags).to.deep.equal(['x', 'y']);
  });

  it('reports unknown operators as BadValue (2)', () => {
    expectCode(() => t.find('c', { n: { $bogus: 1 } }), 2);
  });
});
