import { expect } from 'chai';
import { Decimal128, Long, ObjectId } from 'bson';
import { Query } from 'mingo/query';
import { compileFilter } from '../../src/engine/matcher';
import { mingoOptions } from '../../src/engine/mingo-context';
import type { Doc } from '../../src/engine/types';

describe('engine: filter matcher', () => {
  it('the direct matcher of simple filters agrees with mingo over the BSON context (randomised)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
    const oid = new ObjectId('65f000000000000000000001');
    const values = [
      0,
      1,
      2.5,
      Long.fromNumber(2),
      Decimal128.fromString('1.0'),
      'a',
      'b',
      null,
      oid,
      true,
      new Date(5),
      { x: 1 },
    ];
    const value = (): unknown => (random() < 0.2 ? [pick(values), pick(values)] : pick(values));
    const docs: Doc[] = Array.from({ length: 200 }, () => {
      const d: Doc = {};
      if (random() < 0.8) d.a = value();
      if (random() < 0.5) d.s = { b: value() };
      if (random() < 0.3) d.arr = [{ b: value() }, { b: value() }];
      return d;
    });
    const field = () => pick(['a', 's.b', 'arr.b']);
    const cond = (): unknown => {
      const op = pick(['eq', '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$not']);
      if (op === 'eq') return pick(values);
      if (op === '$not') {
        const operators = (): Doc => {
          for (;;) {
            const c = cond();
            if (isOperators(c) && !('$not' in c)) return c;
          }
        };
        return { $not: random() < 0.3 ? { ...operators(), ...operators() } : operators() };
      }
      if (op === '$in' || op === '$nin') return { [op]: [pick(values), pick(values)] };
      if (op === '$exists') return { $exists: random() < 0.5 };
      return { [op]: pick(values) };
    };
    const isOperators = (c: unknown): c is Doc =>
      typeof c === 'object' && c !== null && Object.keys(c).some((k) => k.startsWith('$'));
    let matched = 0;
    for (let i = 0; i < 300; i++) {
      const filter: Doc = { [field()]: cond() };
      if (random() < 0.4) filter[field()] = cond();
      const fast = compileFilter(filter);
      const slow = new Query(filter, mingoOptions());
      for (const d of docs) {
        const r = fast.test(d);
        if (r) matched++;
        expect(r, `${JSON.stringify(filter)} on ${JSON.stringify(d)}`).to.equal(slow.test(d));
      }
    }
    expect(matched).to.be.above(1000);
  });
});
