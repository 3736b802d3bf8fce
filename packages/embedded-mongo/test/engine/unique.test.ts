import { expect } from 'chai';
import { expectCode, setup, writeErrorCode } from './helpers';

describe('engine: unique indexes', () => {
  function withIndex(spec: Record<string, unknown>) {
    const t = setup();
    t.run({ createIndexes: 'c', indexes: [{ name: 'ix', unique: true, ...spec }] });
    return t;
  }

  describe('single field', () => {
    it('rejects a duplicate insert with code 11000, keyPattern and keyValue, and keeps the first', () => {
      const t = withIndex({ key: { email: 1 } });
      t.insert('c', [{ _id: 1, email: 'a@x' }]);
      const r = t.insert('c', [{ _id: 2, email: 'a@x' }]);
      expect(r.n).to.equal(0);
      expect(r.writeErrors[0]).to.deep.include({
        index: 0,
        code: 11000,
        keyPattern: { email: 1 },
        keyValue: { email: 'a@x' },
      });
      expect(r.writeErrors[0].errmsg).to.equal(
        'E11000 duplicate key error collection: test.c index: ix dup key: { email: "a@x" }',
      );
      expect(t.find('c')).to.have.length(1);
    });

    it('treats numbers of different types as the same key', () => {
      const t = withIndex({ key: { n: 1 } });
      t.insert('c', [{ _id: 1, n: 1 }]);
      expect(writeErrorCode(t.insert('c', [{ _id: 2, n: 1.0 }]))).to.equal(11000);
    });

    it('allows only one document without the field (missing counts as null)', () => {
      const t = withIndex({ key: { n: 1 } });
      t.insert('c', [{ _id: 1 }]);
      expect(writeErrorCode(t.insert('c', [{ _id: 2 }]))).to.equal(11000);
    });

    it('is enforced on update, replace, upsert and findAndModify', () => {
      const t = withIndex({ key: { n: 1 } });
      t.insert('c', [
        { _id: 1, n: 1 },
        { _id: 2, n: 2 },
      ]);
      expect(writeErrorCode(t.update('c', { _id: 2 }, { $set: { n: 1 } }))).to.equal(11000);
      expect(writeErrorCode(t.update('c', { _id: 2 }, { n: 1 }))).to.equal(11000);
      expect(writeErrorCode(t.update('c', { _id: 3 }, { $set: { n: 1 } }, { upsert: true }))).to.equal(11000);
      const e = expectCode(
        () => t.run({ findAndModify: 'c', query: { _id: 2 }, update: { $set: { n: 1 } } }),
        11000,
      );
      expect(e.extra.keyValue).to.deep.equal({ n: 1 });
      expect(t.find('c', {}, { sort: { _id: 1 } })).to.deep.equal([
        { _id: 1, n: 1 },
        { _id: 2, n: 2 },
      ]);
    });

    it('lets a document keep its own key and move to a free one', () => {
      const t = withIndex({ key: { n: 1 } });
      t.insert('c', [{ _id: 1, n: 1 }]);
      expect(t.update('c', { _id: 1 }, { $set: { n: 1, x: 1 } }).nModified).to.equal(1);
      expect(t.update('c', { _id: 1 }, { $set: { n: 5 } }).nModified).to.equal(1);
      expect(t.insert('c', [{ _id: 2, n: 1 }]).n).to.equal(1);
    });

    it('applies unordered inserts around a duplicate and reports each failure', () => {
      const t = withIndex({ key: { n: 1 } });
      const r = t.run({
        insert: 'c',
        documents: [
          { _id: 6, n: 6 },
          { _id: 1, n: 6 },
          { _id: 7, n: 7 },
        ],
        ordered: false,
      });
      expect(r.n).to.equal(2);
      expect(r.writeErrors.map((e: { index: number }) => e.index)).to.deep.equal([1]);
    });
  });

  it('compound: only the whole tuple must be unique', () => {
    const t = withIndex({ key: { a: 1, b: 1 } });
    t.insert('c', [
      { _id: 1, a: 1, b: 1 },
      { _id: 2, a: 1, b: 2 },
    ]);
    const r = t.insert('c', [{ _id: 3, a: 1, b: 2 }]);
    expect(r.writeErrors[0]).to.deep.include({ code: 11000, keyValue: { a: 1, b: 2 } });
  });

  it('sparse: documents without the field are not indexed', () => {
    const t = withIndex({ key: { n: 1 }, sparse: true });
    expect(t.insert('c', [{ _id: 1 }, { _id: 2 }, { _id: 3, n: 1 }]).n).to.equal(3);
    expect(writeErrorCode(t.insert('c', [{ _id: 4, n: 1 }]))).to.equal(11000);
  });

  it('partial: only documents matching partialFilterExpression are constrained', () => {
    const t = withIndex({ key: { email: 1 }, partialFilterExpression: { active: true } });
    expect(
      t.insert('c', [
        { _id: 1, email: 'a', active: false },
        { _id: 2, email: 'a', active: true },
      ]).n,
    ).to.equal(2);
    expect(writeErrorCode(t.insert('c', [{ _id: 3, email: 'a', active: true }]))).to.equal(11000);
    expect(writeErrorCode(t.update('c', { _id: 1 }, { $set: { active: true } }))).to.equal(11000);
  });

  it('multikey: each element is a key, repeated within one document allowed', () => {
    const t = withIndex({ key: { tags: 1 } });
    expect(t.insert('c', [{ _id: 1, tags: ['a', 'b', 'a'] }]).n).to.equal(1);
    expect(writeErrorCode(t.insert('c', [{ _id: 2, tags: ['c', 'b'] }]))).to.equal(11000);
  });

  it('fails to create a unique index over existing duplicates, and leaves no index behind', () => {
    const t = setup();
    t.insert('c', [
      { _id: 1, n: 1 },
      { _id: 2, n: 1 },
    ]);
    expectCode(
      () => t.run({ createIndexes: 'c', indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }] }),
      11000,
    );
    expect(t.run({ listIndexes: 'c' }).cursor.docs.map((d: { name: string }) => d.name)).to.deep.equal([
      '_id_',
    ]);
  });

  describe('createIndexes', () => {
    it('is a no-op for an identical index, 86 for the same name with another key, 85 for other options', () => {
      const t = setup();
      const first = t.run({ createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }] });
      expect(first).to.include({
        createdCollectionAutomatically: true,
        numIndexesBefore: 1,
        numIndexesAfter: 2,
      });
      expect(
        t.run({ createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }] }).numIndexesAfter,
      ).to.equal(2);
      expectCode(() => t.run({ createIndexes: 'c', indexes: [{ key: { b: 1 }, name: 'a_1' }] }), 86);
      expectCode(
        () => t.run({ createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1', unique: true }] }),
        85,
      );
      expectCode(() => t.run({ createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'other' }] }), 85);
    });

    it('lists, drops by name / key / *, and refuses to drop _id_', () => {
      const t = setup();
      t.run({ createIndexes: 'c', indexes: [{ key: { a: 1 } }, { key: { b: -1 }, sparse: true }] });
      expect(t.run({ listIndexes: 'c' }).cursor.docs).to.deep.equal([
        { v: 2, key: { _id: 1 }, name: '_id_' },
        { v: 2, key: { a: 1 }, name: 'a_1' },
        { v: 2, key: { b: -1 }, name: 'b_-1', sparse: true },
      ]);
      expect(t.run({ dropIndexes: 'c', index: { a: 1 } }).nIndexesWas).to.equal(3);
      expectCode(() => t.run({ dropIndexes: 'c', index: '_id_' }), 72);
      expectCode(() => t.run({ dropIndexes: 'c', index: 'nope' }), 27);
      t.run({ dropIndexes: 'c', index: '*' });
      expect(t.run({ listIndexes: 'c' }).cursor.docs).to.have.length(1);
      expectCode(() => t.run({ listIndexes: 'missing' }), 26);
    });
  });
});
