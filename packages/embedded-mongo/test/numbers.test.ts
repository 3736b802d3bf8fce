import { expect } from 'chai';
import {
  Decimal128,
  Double,
  Int32,
  Long,
  MongoClient,
  MongoServerError,
  type Collection,
  type Db,
} from 'mongodb';
import mongoose from 'mongoose';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Loose = { _id: number | string; [field: string]: any };

/** The BSON type of a value as a client decoding with `promoteValues: false` sees it. */
function typeOf(v: unknown): string {
  if (v instanceof Long) return 'long';
  if (v instanceof Double) return 'double';
  if (v instanceof Int32) return 'int';
  if (v instanceof Decimal128) return 'decimal';
  return typeof v;
}

/** int32, int64 and double kept as the client wrote them, as MongoDB keeps them. */
describe('embedded-mongo: exact numeric types', () => {
  let db: TestDatabase;
  let client: MongoClient;
  /** A client that decodes every number as its bson class, so a test can see the type on the wire. */
  let typed: MongoClient;
  let database: Db;
  let counter = 0;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    typed = await new MongoClient(db.uri, { promoteValues: false }).connect();
    database = client.db(db.dbName);
  });

  after(async () => {
    await typed?.close();
    await client?.close();
    await db?.stop();
  });

  async function fresh(docs: Loose[]): Promise<{ coll: Collection<Loose>; raw: Collection<Loose> }> {
    const name = `numbers${++counter}`;
    const coll = database.collection<Loose>(name);
    if (docs.length > 0) await coll.insertMany(docs as never[]);
    return { coll, raw: typed.db(db.dbName).collection<Loose>(name) };
  }

  async function typesOf(raw: Collection<Loose>, id: unknown): Promise<Record<string, string>> {
    const doc = await raw.findOne({ _id: id as never });
    expect(doc, `document ${String(id)}`).to.not.equal(null);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc!)) if (k !== '_id') out[k] = typeOf(v);
    return out;
  }

  const mixed = (): Loose[] => [
    { _id: 1, v: Long.fromNumber(5), kind: 'long' },
    { _id: 2, v: new Double(5), kind: 'double' },
    { _id: 3, v: 5, kind: 'int' },
    { _id: 4, v: 5.5, kind: 'fraction' },
    { _id: 5, v: Long.fromString('9007199254740993'), kind: 'big long' },
    { _id: 6, v: new Double(-3), kind: 'negative double' },
  ];

  it('keeps int64, integral doubles, int32 and fractions as written, nested and in arrays too', async () => {
    const { raw } = await fresh([
      {
        _id: 1,
        a: Long.fromNumber(5),
        b: new Double(5),
        c: 5,
        d: 5.5,
        e: Long.fromString('9223372036854775807'),
        f: new Double(0),
        g: -0,
        h: 1e10,
      },
      {
        _id: 2,
        sub: { l: Long.fromNumber(7), x: new Double(2) },
        arr: [Long.fromNumber(1), new Double(2), 3, 4.5],
      },
    ]);
    expect(await typesOf(raw, 1)).to.deep.equal({
      a: 'long',
      b: 'double',
      c: 'int',
      d: 'double',
      e: 'long',
      f: 'double',
      g: 'double',
      h: 'double',
    });
    const two = (await raw.findOne({ _id: 2 as never }))!;
    expect(typeOf(two.sub.l)).to.equal('long');
    expect(typeOf(two.sub.x)).to.equal('double');
    expect(two.arr.map(typeOf)).to.deep.equal(['long', 'double', 'int', 'double']);
    const neg = (await raw.findOne({ _id: 1 as never }))!;
    expect(Object.is(neg.g.valueOf(), -0)).to.equal(true);
    expect(neg.e.toString()).to.equal('9223372036854775807');
  });

  it("matches $type 'long' | 'double' | 'int' | 'number' by the stored type", async () => {
    const { coll } = await fresh(mixed());
    const ids = async (t: unknown) =>
      (await coll.find({ v: { $type: t as never } }, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
    expect(await ids('long')).to.deep.equal([1, 5]);
    expect(await ids('double')).to.deep.equal([2, 4, 6]);
    expect(await ids('int')).to.deep.equal([3]);
    expect(await ids('number')).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(await ids(18)).to.deep.equal([1, 5]);
    expect(await ids(1)).to.deep.equal([2, 4, 6]);
    expect(await ids(['int', 'long'])).to.deep.equal([1, 3, 5]);
    // The same through mingo ($or) and an aggregation $type expression.
    const viaOr = await coll.find({ $or: [{ v: { $type: 'long' } }, { kind: 'none' }] }).toArray();
    expect(viaOr.map((d) => d._id).sort()).to.deep.equal([1, 5]);
    const exprTypes = await coll
      .aggregate([{ $sort: { _id: 1 } }, { $project: { t: { $type: '$v' } } }])
      .toArray();
    expect(exprTypes.map((d) => d.t)).to.deep.equal(['long', 'double', 'int', 'double', 'long', 'double']);
  });

  it('compares numbers by value across types: equality, $in, ranges, sorts', async () => {
    const { coll } = await fresh(mixed());
    const ids = async (filter: object, sort: object = { _id: 1 }) =>
      (await coll.find(filter, { sort: sort as never }).toArray()).map((d) => d._id);
    for (const five of [5, Long.fromNumber(5), new Double(5), new Int32(5), Decimal128.fromString('5.0')])
      expect(await ids({ v: five }), `v == ${String(five)}`).to.deep.equal([1, 2, 3]);
    expect(await ids({ v: { $in: [Long.fromNumber(-3), 5.5] } })).to.deep.equal([4, 6]);
    // A long $in list is matched through a set of canonical keys.
    const many = [...Array.from({ length: 10 }, (_, i) => Long.fromNumber(100 + i)), new Double(5)];
    expect(await ids({ v: { $in: many } })).to.deep.equal([1, 2, 3]);
    expect(await ids({ v: { $gt: new Double(5) } })).to.deep.equal([4, 5]);
    expect(await ids({ v: { $gte: Long.fromNumber(5), $lt: 6 } })).to.deep.equal([1, 2, 3, 4]);
    expect(await ids({ v: { $ne: 5 } })).to.deep.equal([4, 5, 6]);
    // Through mingo ($and, $nor, $expr) as well as the fast matcher.
    expect(await ids({ $and: [{ v: Long.fromNumber(5) }, { v: { $lte: new Double(5) } }] })).to.deep.equal([
      1, 2, 3,
    ]);
    expect(await ids({ $expr: { $eq: ['$v', new Double(5)] } })).to.deep.equal([1, 2, 3]);
    expect(await ids({ $expr: { $in: ['$v', [Long.fromNumber(5), -3]] } })).to.deep.equal([1, 2, 3, 6]);
    expect(await ids({ $nor: [{ v: 5 }] })).to.deep.equal([4, 5, 6]);
    expect(await ids({ v: { $mod: [2, 1] } })).to.deep.equal([1, 2, 3, 4, 5]);
    expect(await ids({ v: { $mod: [Long.fromNumber(3), new Double(0)] } })).to.deep.equal([5, 6]);
    expect(await ids({ v: { $bitsAllSet: [0, 2] } })).to.deep.equal([1, 2, 3, 6]);
    expect(await ids({}, { v: 1, _id: 1 })).to.deep.equal([6, 1, 2, 3, 4, 5]);
    expect(await ids({}, { v: -1, _id: 1 })).to.deep.equal([5, 4, 1, 2, 3, 6]);
    // An index gives the same answers.
    await coll.createIndex({ v: 1 });
    expect(await ids({ v: { $gte: Long.fromNumber(5), $lt: 6 } })).to.deep.equal([1, 2, 3, 4]);
    expect(await ids({ v: new Double(5) }, { v: 1, _id: 1 })).to.deep.equal([1, 2, 3]);
    expect(await coll.countDocuments({ v: 5 })).to.equal(3);
    expect(await coll.distinct('v', { v: 5 })).to.have.length(1);
  });

  it('counts 5, Long(5) and Double(5) as one value in a unique index and as _id', async () => {
    const { coll } = await fresh([{ _id: 1, u: Long.fromNumber(5) }]);
    await coll.createIndex({ u: 1 }, { unique: true });
    const dup = await coll.insertOne({ _id: 2, u: new Double(5) }).catch((e: unknown) => e);
    expect(dup).to.be.instanceOf(MongoServerError);
    expect(dup).to.include({ code: 11000 });
    await coll.insertOne({ _id: Long.fromNumber(9) as never, u: 1 });
    const dupId = await coll.insertOne({ _id: 9, u: 2 }).catch((e: unknown) => e);
    expect(dupId).to.include({ code: 11000 });
  });

  it('applies $inc with MongoDB type rules', async () => {
    const { raw } = await fresh([
      {
        _id: 1,
        int: 1,
        long: Long.fromNumber(1),
        dbl: new Double(1),
        frac: 0.5,
        max32: 2147483647,
        toDouble: 1,
        toLong: 1,
        half: 2.5,
      },
    ]);
    await raw.updateOne(
      { _id: 1 },
      {
        $inc: {
          int: 1,
          long: 1,
          dbl: 1,
          frac: 0.5,
          max32: 1,
          toDouble: new Double(2),
          toLong: Long.fromNumber(2),
          half: 2.5,
          fresh: Long.fromNumber(3),
        },
      },
    );
    const doc = (await raw.findOne({ _id: 1 as never }))!;
    expect(await typesOf(raw, 1)).to.deep.equal({
      int: 'int',
      long: 'long',
      dbl: 'double',
      frac: 'double',
      max32: 'long',
      toDouble: 'double',
      toLong: 'long',
      half: 'double',
      fresh: 'long',
    });
    expect(Number(doc.frac)).to.equal(1);
    expect(Number(doc.max32)).to.equal(2147483648);
    expect(Number(doc.half)).to.equal(5);
  });

  it('refuses an int64 overflow in $inc with BadValue and changes nothing', async () => {
    const { coll, raw } = await fresh([{ _id: 1, n: Long.MAX_VALUE, m: 1 }]);
    const err = (await coll
      .updateOne({ _id: 1 }, { $inc: { n: 1, m: 1 } })
      .catch((e: unknown) => e)) as MongoServerError;
    expect(err).to.be.instanceOf(MongoServerError);
    expect(err.code).to.equal(2);
    expect(err.message).to.match(/Failed to apply \$inc/);
    const doc = (await raw.findOne({ _id: 1 as never }))!;
    expect(doc.n.toString()).to.equal(Long.MAX_VALUE.toString());
    expect(typeOf(doc.m)).to.equal('int');
  });

  it('keeps types through $mul, $min, $max and $set, and counts a type change as a modification', async () => {
    const { coll, raw } = await fresh([
      { _id: 1, a: Long.fromNumber(3), b: 5, c: new Double(5), d: 5, e: 5, f: new Double(2) },
    ]);
    await coll.updateOne(
      { _id: 1 },
      { $mul: { a: 2, f: 2, g: new Double(3) }, $min: { b: Long.fromNumber(4) }, $max: { c: 5 } },
    );
    expect(await typesOf(raw, 1)).to.deep.equal({
      a: 'long',
      b: 'long',
      c: 'double',
      d: 'int',
      e: 'int',
      f: 'double',
      g: 'double',
    });
    const same = await coll.updateOne({ _id: 1 }, { $set: { d: 5 } });
    expect(same.modifiedCount).to.equal(0);
    const retyped = await coll.updateOne({ _id: 1 }, { $set: { d: new Double(5), e: Long.fromNumber(5) } });
    expect(retyped.modifiedCount).to.equal(1);
    expect(await typesOf(raw, 1)).to.include({ d: 'double', e: 'long' });
  });

  it('answers findOneAndUpdate with the typed document, before and after', async () => {
    const { raw } = await fresh([{ _id: 1, n: Long.fromNumber(10), x: new Double(1) }]);
    const before = await raw.findOneAndUpdate({ _id: 1 }, { $inc: { n: 1, x: 1 } });
    expect(typeOf(before!.n)).to.equal('long');
    expect(typeOf(before!.x)).to.equal('double');
    const after = await raw.findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1, x: 1 } },
      { returnDocument: 'after' },
    );
    expect(after!.n.toString()).to.equal('12');
    expect(typeOf(after!.n)).to.equal('long');
    expect(typeOf(after!.x)).to.equal('double');
    expect(Number(after!.x)).to.equal(3);
    const upserted = await raw.findOneAndUpdate(
      { _id: 2, k: Long.fromNumber(4) },
      { $set: { y: new Double(7) } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(typeOf(upserted!.k)).to.equal('long');
    expect(typeOf(upserted!.y)).to.equal('double');
    // A filter compiled once with int32 values does not stand in for the same filter with int64 ones.
    const filter = (k: unknown) => ({ _id: 4, $and: [{ k }, { z: { $exists: false } }] });
    expect(await raw.findOne(filter(4))).to.equal(null);
    const typedUpsert = await raw.findOneAndUpdate(
      filter(Long.fromNumber(4)),
      { $set: { z: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(typeOf(typedUpsert!.k)).to.equal('long');
  });

  it('sums mixed numeric types in aggregation with MongoDB types', async () => {
    const { raw } = await fresh([
      { _id: 1, g: 'ints', v: 1 },
      { _id: 2, g: 'ints', v: 2 },
      { _id: 3, g: 'longs', v: Long.fromNumber(1) },
      { _id: 4, g: 'longs', v: 2 },
      { _id: 5, g: 'doubles', v: new Double(1) },
      { _id: 6, g: 'doubles', v: 2 },
      { _id: 7, g: 'halves', v: 1.5 },
      { _id: 8, g: 'halves', v: 1.5 },
    ]);
    const groups = await raw
      .aggregate([
        { $group: { _id: '$g', total: { $sum: '$v' }, top: { $max: '$v' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    const byGroup = Object.fromEntries(groups.map((g) => [g._id, [typeOf(g.total), Number(g.total)]]));
    expect(byGroup).to.deep.equal({
      doubles: ['double', 3],
      halves: ['double', 3],
      ints: ['int', 3],
      longs: ['long', 3],
    });
    const added = await raw
      .aggregate([
        { $match: { _id: { $in: [3, 5] } } },
        { $sort: { _id: 1 } },
        {
          $project: {
            plus: { $add: ['$v', 1] },
            times: { $multiply: ['$v', 2] },
            minus: { $subtract: ['$v', 1] },
          },
        },
      ])
      .toArray();
    expect(added.map((d) => [typeOf(d.plus), typeOf(d.times), typeOf(d.minus)])).to.deep.equal([
      ['long', 'long', 'long'],
      ['double', 'double', 'double'],
    ]);
    const projected = await raw
      .aggregate([
        { $match: { _id: 5 } },
        {
          $project: {
            sum: { $sum: ['$v', 1] },
            avg: { $avg: ['$v', 3] },
            dbl: { $toDouble: 2 },
            lng: { $toLong: 2 },
            abs: { $abs: '$v' },
            div: { $divide: [4, 2] },
          },
        },
      ])
      .toArray();
    expect(Object.fromEntries(Object.entries(projected[0]).map(([k, v]) => [k, typeOf(v)]))).to.deep.equal({
      _id: 'int',
      sum: 'double',
      avg: 'double',
      dbl: 'double',
      lng: 'long',
      abs: 'double',
      div: 'double',
    });
    // Keys equal by value are one group, whose _id has the type of the first key seen.
    const byValue = await raw
      .aggregate([{ $sort: { _id: 1 } }, { $group: { _id: '$v', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(byValue.map((g) => [typeOf(g._id), Number(g._id), Number(g.n)])).to.deep.equal([
      ['int', 1, 3],
      ['double', 1.5, 2],
      ['int', 2, 3],
    ]);
    const compound = await raw
      .aggregate([{ $group: { _id: { v: '$v', one: 1 }, n: { $sum: 1 } } }, { $match: { '_id.v': 2 } }])
      .toArray();
    expect(compound.map((g) => Number(g.n))).to.deep.equal([3]);
    const paged = await raw
      .aggregate([
        { $sort: { _id: 1 } },
        { $project: { _id: 1 } },
        { $skip: Long.fromNumber(1) },
        { $limit: new Double(2) },
      ])
      .toArray();
    expect(paged.map((d) => Number(d._id))).to.deep.equal([2, 3]);
    // The matched documents come back typed, through a pipeline as through find.
    const matched = await raw.aggregate([{ $match: { v: 1 } }, { $sort: { _id: 1 } }]).toArray();
    expect(matched.map((d) => typeOf(d.v))).to.deep.equal(['int', 'long', 'double']);
  });

  it('round-trips a BigInt field through mongoose lean() on a client with useBigInt64', async () => {
    const conn = await mongoose
      .createConnection(db.uri, { dbName: db.dbName, useBigInt64: true } as mongoose.ConnectOptions)
      .asPromise();
    try {
      const Model = conn.model(
        `Big${++counter}`,
        new mongoose.Schema({ big: BigInt, small: BigInt, n: Number, price: Number }),
      );
      const big = 9007199254740993n;
      await Model.create({ big, small: 5n, n: 5, price: 5.5 });
      const lean = (await Model.find().lean())[0] as Record<string, unknown>;
      expect(lean.big).to.equal(big);
      expect(lean.small).to.equal(5n);
      expect(lean.n).to.equal(5);
      expect(lean.price).to.equal(5.5);
      expect(await Model.countDocuments({ small: { $gte: 5n } })).to.equal(1);
      const updated = await Model.findOneAndUpdate(
        {},
        { $inc: { small: 1n } },
        { returnDocument: 'after' },
      ).lean();
      expect((updated as Record<string, unknown>).small).to.equal(6n);
    } finally {
      await conn.close();
    }
  });
});
