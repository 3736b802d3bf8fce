import { expect } from 'chai';
import { Decimal128, Long } from 'bson';
import { expectCode, setup } from './helpers';

describe('engine: data commands', () => {
  describe('catalog', () => {
    it('creates collections explicitly (48 when they exist) and implicitly on insert', () => {
      const t = setup();
      expect(t.run({ create: 'a', validator: { x: 1 } })).to.deep.equal({ ok: 1 });
      expectCode(() => t.run({ create: 'a' }), 48);
      t.insert('b', [{ _id: 1 }]);
      const infos = t.run({ listCollections: 1 }).cursor;
      expect(infos.ns).to.equal('test.$cmd.listCollections');
      expect(infos.docs.map((d: { name: string }) => d.name)).to.deep.equal(['a', 'b']);
      expect(infos.docs[0]).to.deep.include({ type: 'collection', options: { validator: { x: 1 } } });
      expect(t.run({ listCollections: 1, filter: { name: 'b' }, nameOnly: true }).cursor.docs).to.deep.equal([
        { name: 'b', type: 'collection' },
      ]);
    });

    it('drops collections (26 when missing) and databases', () => {
      const t = setup();
      t.insert('a', [{ _id: 1 }]);
      expect(t.run({ drop: 'a' })).to.include({ nIndexesWas: 1, ns: 'test.a' });
      expectCode(() => t.run({ drop: 'a' }), 26);
      t.insert('b', [{ _id: 1 }]);
      expect(t.run({ listDatabases: 1 }).databases.map((d: { name: string }) => d.name)).to.deep.equal([
        'test',
      ]);
      t.run({ dropDatabase: 1 });
      expect(t.run({ listDatabases: 1 }).databases).to.deep.equal([]);
    });

    it('answers an unknown collection on find with no documents', () => {
      expect(setup().find('nope')).to.deep.equal([]);
    });

    it('reports collStats and dbStats', () => {
      const t = setup();
      t.insert('a', [{ _id: 1 }, { _id: 2 }]);
      expect(t.run({ collStats: 'a' })).to.include({ ns: 'test.a', count: 2, nindexes: 1, size: 28 });
      expect(t.run({ dbStats: 1 })).to.include({ db: 'test', collections: 1, objects: 2, dataSize: 28 });
    });
  });

  describe('count and distinct', () => {
    const t = setup();
    t.insert('c', [
      { _id: 1, k: 'a', tags: ['x', 'y'] },
      { _id: 2, k: 'b', tags: ['y'] },
      { _id: 3, k: 'a', tags: [] },
    ]);
    it('counts with query, skip and limit', () => {
      expect(t.run({ count: 'c' }).n).to.equal(3);
      expect(t.run({ count: 'c', query: { k: 'a' } }).n).to.equal(2);
      expect(t.run({ count: 'c', skip: 1, limit: 1 }).n).to.equal(1);
      expect(t.run({ count: 'missing' }).n).to.equal(0);
    });
    it('returns distinct values, unwinding arrays', () => {
      expect(t.run({ distinct: 'c', key: 'tags' }).values).to.deep.equal(['x', 'y']);
      expect(t.run({ distinct: 'c', key: 'k', query: { tags: 'y' } }).values).to.deep.equal(['a', 'b']);
    });
  });

  describe('aggregate', () => {
    const t = setup();
    t.insert('orders', [
      { _id: 1, user: 'u1', qty: 2, items: ['a', 'b'] },
      { _id: 2, user: 'u2', qty: 1, items: ['a'] },
      { _id: 3, user: 'u1', qty: 5, items: [] },
    ]);
    t.insert('users', [
      { _id: 'u1', name: 'Ann' },
      { _id: 'u2', name: 'Bob' },
    ]);
    const agg = (pipeline: object[], coll: string | number = 'orders') =>
      t.run({ aggregate: coll, pipeline, cursor: {} }).cursor;

    it('answers countDocuments (group by constant with $sum 1)', () => {
      expect(agg([{ $match: { user: 'u1' } }, { $group: { _id: 1, n: { $sum: 1 } } }]).docs).to.deep.equal([
        { _id: 1, n: 2 },
      ]);
      expect(
        agg([{ $match: { user: 'nobody' } }, { $group: { _id: 1, n: { $sum: 1 } } }]).docs,
      ).to.deep.equal([]);
    });

    it('counts with $skip and $limit before the $group, as countDocuments sends them', () => {
      expect(
        agg([{ $match: {} }, { $skip: 1 }, { $limit: 5 }, { $group: { _id: 1, n: { $sum: 1 } } }]).docs,
      ).to.deep.equal([{ _id: 1, n: 2 }]);
    });

    it('keeps Long and Decimal128 in $sum, and compares in BSON order in $max / $min', () => {
      const s = setup();
      s.insert('n', [
        { v: Long.fromString('9007199254740993') },
        { v: 1 },
        { v: Decimal128.fromString('2.5') },
        { v: 'text' },
      ]);
      const [r] = s.run({
        aggregate: 'n',
        pipeline: [
          { $match: { v: { $type: ['long', 'int'] } } },
          { $group: { _id: null, total: { $sum: '$v' }, max: { $max: '$v' } } },
        ],
        cursor: {},
      }).cursor.docs;
      expect(r.total).to.be.instanceOf(Long);
      expect(String(r.total)).to.equal('9007199254740994');
      expect(String(r.max)).to.equal('9007199254740993');
      const [d] = s.run({
        aggregate: 'n',
        pipeline: [
          { $group: { _id: null, total: { $sum: '$v' }, min: { $min: '$v' }, max: { $max: '$v' } } },
        ],
        cursor: {},
      }).cursor.docs;
      expect(d.total).to.be.instanceOf(Decimal128);
      expect(d.min).to.equal(1);
      expect(d.max).to.equal('text');
    });

    it('runs $group, $sort, $project, $unwind, $count, $facet, $skip, $limit, $addFields', () => {
      expect(
        agg([{ $group: { _id: '$user', total: { $sum: '$qty' } } }, { $sort: { total: -1 } }]).docs,
      ).to.deep.equal([
        { _id: 'u1', total: 7 },
        { _id: 'u2', total: 1 },
      ]);
      expect(agg([{ $unwind: '$items' }, { $count: 'n' }]).docs).to.deep.equal([{ n: 3 }]);
      expect(
        agg([{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 1 }, { $project: { qty: 1 } }]).docs,
      ).to.deep.equal([{ _id: 2, qty: 1 }]);
      expect(
        agg([{ $facet: { big: [{ $match: { qty: { $gt: 1 } } }, { $count: 'n' }], all: [{ $count: 'n' }] } }])
          .docs,
      ).to.deep.equal([{ big: [{ n: 2 }], all: [{ n: 3 }] }]);
      expect(
        agg([{ $match: { _id: 2 } }, { $addFields: { double: { $multiply: ['$qty', 2] } } }]).docs[0].double,
      ).to.equal(2);
    });

    it('resolves $lookup and $unionWith through the engine', () => {
      const joined = agg([
        { $match: { _id: 2 } },
        { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'u' } },
      ]).docs;
      expect(joined[0].u).to.deep.equal([{ _id: 'u2', name: 'Bob' }]);
      expect(
        agg([
          { $project: { _id: 1 } },
          { $unionWith: { coll: 'users', pipeline: [{ $project: { _id: 1 } }] } },
        ]).docs,
      ).to.have.length(5);
    });

    it('does not let a pipeline change stored documents', () => {
      agg([{ $set: { 'extra.x': 1 } }, { $unset: 'qty' }]);
      expect(t.find('orders', { _id: 1 })[0]).to.deep.equal({
        _id: 1,
        user: 'u1',
        qty: 2,
        items: ['a', 'b'],
      });
      agg([
        { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'u' } },
        { $unset: 'u.name' },
      ]);
      expect(t.find('users', { _id: 'u1' })[0]).to.deep.equal({ _id: 'u1', name: 'Ann' });
    });

    it('names the namespace for collection-less pipelines', () => {
      expect(agg([{ $documents: [{ a: 1 }] }], 1)).to.deep.equal({
        ns: 'test.$cmd.aggregate',
        docs: [{ a: 1 }],
      });
    });

    it('writes the results with a final $out, and refuses $out anywhere else', () => {
      t.insert('src', [
        { _id: 1, n: 1 },
        { _id: 2, n: 2 },
      ]);
      t.insert('dst', [{ _id: 9 }]);
      t.run({ createIndexes: 'dst', indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }] });
      expect(
        t.run({
          aggregate: 'src',
          pipeline: [{ $set: { n: { $multiply: ['$n', 10] } } }, { $out: 'dst' }],
          cursor: {},
        }).cursor.docs,
      ).to.deep.equal([]);
      expect(t.find('dst')).to.deep.equal([
        { _id: 1, n: 10 },
        { _id: 2, n: 20 },
      ]);
      expect(t.run({ listIndexes: 'dst' }).cursor.docs.map((ix: { name: string }) => ix.name)).to.deep.equal([
        '_id_',
        'n_1',
      ]);
      expectCode(() => agg([{ $out: 'x' }, { $match: {} }]), 40601);
      // A unique index the new documents break leaves the target as it was.
      expectCode(
        () => t.run({ aggregate: 'src', pipeline: [{ $set: { n: 1 } }, { $out: 'dst' }], cursor: {} }),
        11000,
      );
      expect(t.find('dst')).to.have.length(2);
    });
  });
});
