import { expect } from 'chai';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { getTestDatabase, type TestDatabase } from './helpers/db';

interface Product {
  name: string;
  stock: number;
}

describe('embedded-mongo: through mongoose', () => {
  let db: TestDatabase;
  let conn: Connection;
  let Products: Model<Product>;

  before(async () => {
    db = await getTestDatabase();
    conn = await mongoose.createConnection(db.uri, { dbName: db.dbName }).asPromise();
    const schema = new Schema<Product>({
      name: { type: String, required: true, unique: true },
      stock: Number,
    });
    Products = conn.model<Product>('Product', schema);
    await Products.init(); // creates the collection and its unique index
  });

  after(async () => {
    await conn?.close();
    await db?.stop();
  });

  beforeEach(async () => {
    await Products.deleteMany({});
  });

  it('saves, finds, updates and counts documents', async () => {
    const saved = await new Products({ name: 'pen', stock: 3 }).save();
    expect(saved._id).to.be.instanceOf(mongoose.Types.ObjectId);
    saved.stock = 2;
    await saved.save();
    const found = await Products.findById(saved._id).lean();
    expect(found).to.include({ name: 'pen', stock: 2, __v: 0 });
    const after = await Products.findOneAndUpdate(
      { name: 'pen' },
      { $inc: { stock: -1 } },
      { returnDocument: 'after' },
    ).lean();
    expect(after?.stock).to.equal(1);
    expect(await Products.countDocuments({ stock: { $lt: 5 } })).to.equal(1);
  });

  it('reports a duplicate of a unique field as 11000 with keyPattern', async () => {
    await Products.create({ name: 'desk', stock: 1 });
    const err = await Products.create({ name: 'desk', stock: 2 }).catch((e: unknown) => e);
    expect((err as { code?: number }).code).to.equal(11000);
    expect((err as { keyPattern?: object }).keyPattern).to.deep.equal({ name: 1 });
  });

  it('commits a transaction of connection.transaction()', async () => {
    await conn.transaction(async (session) => {
      await Products.create([{ name: 'a', stock: 1 }], { session });
      await Products.create([{ name: 'b', stock: 1 }], { session });
    });
    expect(await Products.countDocuments()).to.equal(2);
  });

  it('emits change events from Model.watch()', async () => {
    const stream = Products.watch([], { maxAwaitTimeMS: 100 });
    try {
      const changed = new Promise<any>((resolve, reject) => {
        stream.once('change', resolve);
        stream.once('error', reject);
      });
      // The stream opens asynchronously: write until it has seen one (bounded).
      let event: any;
      for (let i = 0; i < 50 && !event; i++) {
        await Products.create({ name: `w${i}`, stock: i });
        event = await Promise.race([changed, new Promise((r) => setTimeout(r, 100))]);
      }
      expect(event?.operationType).to.equal('insert');
      expect(event.fullDocument.name).to.match(/^w\d+$/);
    } finally {
      await stream.close();
    }
  });
});
