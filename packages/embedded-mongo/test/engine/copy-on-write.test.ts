import { expect } from 'chai';
import { shallowCopy } from '../../src/engine/clone';
import { setup } from './helpers';

describe('engine: copy-on-write of large maps', () => {
  /** A map past the size where copies switch to dictionary mode, with a field literally named `__proto__`. */
  function bigMap(): Record<string, unknown> {
    const m: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) m[`k${i}`] = { q: i };
    Object.defineProperty(m, '__proto__', {
      value: { q: -1 },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    m['7'] = { q: 7 };
    return m;
  }

  it('shallowCopy keeps every field, the order and a __proto__ field, for small and large objects', () => {
    for (const src of [bigMap(), { b: 1, a: { x: 1 }, '2': 2 }]) {
      const copy = shallowCopy(src);
      expect(copy).to.not.equal(src);
      expect(Object.keys(copy)).to.deep.equal(Object.keys(src));
      for (const k of Object.keys(src)) expect(copy[k]).to.equal(src[k]);
      expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    }
  });

  it('a nested update of a large map leaves the old version to an open transaction and keeps the rest', () => {
    const t = setup();
    t.insert('c', [{ _id: 1, buyers: bigMap() }]);
    const txn = t.engine.beginTransaction();
    expect(t.find('c', {}, {}, txn)[0].buyers.k5).to.deep.equal({ q: 5 }); // the snapshot starts here
    t.update('c', { _id: 1 }, { $inc: { 'buyers.k5.q': 10, 'buyers.new.q': 1 } });
    const now = t.find('c')[0].buyers;
    expect(now.k5).to.deep.equal({ q: 15 });
    expect(now.new).to.deep.equal({ q: 1 });
    expect(Object.keys(now)).to.deep.equal([...Object.keys(bigMap()), 'new']);
    expect(Object.getOwnPropertyDescriptor(now, '__proto__')?.value).to.deep.equal({ q: -1 });
    const old = t.find('c', {}, {}, txn)[0].buyers;
    expect(old.k5).to.deep.equal({ q: 5 });
    expect(old).to.not.have.property('new');
    t.engine.abortTransaction(txn);
  });
});
