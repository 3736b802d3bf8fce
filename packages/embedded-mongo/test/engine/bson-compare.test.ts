import { expect } from 'chai';
import { Binary, Decimal128, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { bsonCompare, bsonEquals, compareStrings, identical } from '../../src/engine/compare';
import { valueKey } from '../../src/engine/value-key';
import { addNumbers, multiplyNumbers } from '../../src/engine/numbers';

describe('engine: bsonCompare', () => {
  describe('type order', () => {
    it('orders MinKey < null < numbers < string < object < array < binData < ObjectId < bool < Date < Timestamp < regex < MaxKey', () => {
      const ordered = [
        new MinKey(),
        null,
        -5,
        'a',
        { a: 1 },
        [1],
        new Binary(Buffer.from([1])),
        new ObjectId('000000000000000000000001'),
        false,
        new Date(0),
        new Timestamp({ t: 1, i: 1 }),
        /a/,
        new MaxKey(),
      ];
      const shuffled = [...ordered].reverse();
      shuffled.sort(bsonCompare);
      expect(shuffled).to.deep.equal(ordered);
    });

    it('treats missing (undefined) as null', () => {
      expect(bsonCompare(undefined, null)).to.equal(0);
      expect(bsonCompare(undefined, 0)).to.be.below(0);
    });
  });

  describe('numbers', () => {
    it('compares by value across number, Long, Int32, Decimal128', () => {
      expect(bsonCompare(1, Long.fromNumber(1))).to.equal(0);
      expect(bsonCompare(new Int32(3), 2.5)).to.be.above(0);
      expect(bsonCompare(Decimal128.fromString('1.50'), 1.5)).to.equal(0);
      expect(bsonCompare(Decimal128.fromString('10'), Decimal128.fromString('3'))).to.be.above(0);
      expect(bsonCompare(Long.fromString('9007199254740993'), 9007199254740992)).to.be.above(0);
      expect(
        bsonCompare(Long.fromString('10000000000000000'), Long.fromString('9007199254740993')),
      ).to.be.above(0);
    });

    it('puts NaN below every number and equal to itself', () => {
      expect(bsonCompare(NaN, -Infinity)).to.be.below(0);
      expect(bsonCompare(NaN, NaN)).to.equal(0);
      expect(bsonCompare(Decimal128.fromString('NaN'), NaN)).to.equal(0);
    });
  });

  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    expect('\uFF5E' < '😀').to.equal(false);
    expect(compareStrings('\uFF5E', '😀')).to.be.below(0);
  });

  it('compares embedded documents field by field in order', () => {
    expect(bsonCompare({ a: 1, b: 1 }, { a: 2 })).to.be.below(0);
    expect(bsonCompare({ b: 0 }, { a: 5 })).to.be.above(0);
    expect(bsonEquals({ a: 1, b: 2 }, { b: 2, a: 1 })).to.equal(false);
  });

  it('compares ObjectIds by bytes, Timestamps by (t, i), Binary by length then subtype then bytes', () => {
    expect(
      bsonCompare(new ObjectId('00000000000000000000000a'), new ObjectId('0000000000000000000000ff')),
    ).to.be.below(0);
    expect(bsonCompare(new Timestamp({ t: 9, i: 1 }), new Timestamp({ t: 10, i: 0 }))).to.be.below(0);
    expect(bsonCompare(new Binary(Buffer.from([0xff]), 0), new Binary(Buffer.from([0xfe]), 0))).to.be.above(
      0,
    );
    expect(bsonCompare(new Binary(Buffer.from([1]), 0), new Binary(Buffer.from([1]), 4))).to.be.below(0);
  });

  it('gives equal valueKeys exactly to equal values', () => {
    const values = [
      1,
      Long.fromNumber(1),
      1.5,
      Decimal128.fromString('1.50'),
      'a',
      new ObjectId('000000000000000000000001'),
      { a: 1 },
      { a: 1, b: 1 },
      [1, 2],
      null,
      true,
      new Date(5),
    ];
    for (const a of values)
      for (const b of values)
        expect(valueKey(a) === valueKey(b), `${String(a)} vs ${String(b)}`).to.equal(bsonEquals(a, b));
  });

  it('identical() tells numeric types apart, bsonEquals() does not', () => {
    expect(bsonEquals(1, Long.fromNumber(1))).to.equal(true);
    expect(identical(1, Long.fromNumber(1))).to.equal(false);
    expect(identical({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).to.equal(true);
  });
});

describe('engine: typed arithmetic', () => {
  it('widens int32 overflow to Long and keeps Long as Long', () => {
    const r = addNumbers(2147483647, 1);
    expect(r).to.be.instanceOf(Long);
    expect(String(r)).to.equal('2147483648');
    const l = addNumbers(Long.fromNumber(5), 1);
    expect(l).to.be.instanceOf(Long);
    expect(String(l)).to.equal('6');
  });

  it('adds and multiplies Decimal128 exactly', () => {
    expect(String(addNumbers(Decimal128.fromString('0.1'), Decimal128.fromString('0.2')))).to.equal('0.3');
    expect(String(multiplyNumbers(Decimal128.fromString('1.5'), 2))).to.equal('3.0');
  });

  it('keeps doubles as doubles', () => {
    expect(addNumbers(1.5, 1)).to.equal(2.5);
    expect(addNumbers(3e9, 1)).to.equal(3e9 + 1);
  });
});
