import { expect } from 'chai';
import { MongoClient, MongoServerError, type ChangeStream, type Collection, type Db } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';

type Loose = { _id: number | string; [field: string]: any };

/** Next event, bounded so a missing event fails the test instead of hanging it. */
async function nextEvent(stream: ChangeStream<any, any>, ms = 5000): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no change event within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([stream.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a stream and waits until its cursor exists on the server, so no later write is missed. */
async function opened<T extends ChangeStream<any, any>>(stream: T): Promise<T> {
  await stream.tryNext();
  return stream;
}

const QUICK = { maxAwaitTimeMS: 100 };

/**
 * Change streams over catalog changes and images: rename, the expanded events of MongoDB 6.0+ (create,
 * createIndexes, dropIndexes, modify), pre- and post-images, and pipeline-update diffs.
 */
describe('embedded-mongo: change streams of catalog changes and images', () => {
  let db: TestDatabase;
  let client: MongoClient;
  let database: Db;
  let counter = 0;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
    database = client.db(db.dbName);
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  async function freshCollection(docs: Loose[] = []): Promise<Collection<Loose>> {
    const coll = database.collection<Loose>(`ddl${++counter}`);
    await database.createCollection(coll.collectionName);
    if (docs.length > 0) await coll.insertMany(docs);
    return coll;
  }

  it('reports a rename with its target, then invalidates a stream on the old name', async () => {
    const coll = await freshCollection([{ _id: 1 }]);
    const stream = await opened(coll.watch([], QUICK));
    const target = `${coll.collectionName}_renamed`;
    try {
      await coll.rename(target);
      const rename = await nextEvent(stream);
      expect(rename.operationType).to.equal('rename');
      expect(rename.ns).to.deep.equal({ db: db.dbName, coll: coll.collectionName });
      expect(rename.to).to.deep.equal({ db: db.dbName, coll: target });
      expect((await nextEvent(stream)).operationType).to.equal('invalidate');
      expect(await database.collection(target).find().toArray()).to.deep.equal([{ _id: 1 }]);
    } finally {
      await stream.close();
    }
  });

  it('refuses a rename onto an existing collection unless dropTarget, and of a missing one', async () => {
    const a = await freshCollection([{ _id: 'a' }]);
    const b = await freshCollection([{ _id: 'b' }]);
    const clash = await a.rename(b.collectionName).catch((e: unknown) => e);
    expect(clash).to.be.instanceOf(MongoServerError).and.to.have.property('code', 48);
    await a.rename(b.collectionName, { dropTarget: true });
    expect(await database.collection(b.collectionName).find().toArray()).to.deep.equal([{ _id: 'a' }]);
    const missing = await database
      .collection('no_such_collection')
      .rename('whatever')
      .catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(MongoServerError).and.to.have.property('code', 26);
  });

  it('reports create, createIndexes, dropIndexes, modify and rename to streams with showExpandedEvents', async () => {
    const name = `expanded${++counter}`;
    const stream = await opened(database.watch([], { ...QUICK, showExpandedEvents: true }));
    const plain = await opened(database.watch([], QUICK));
    try {
      const coll = await database.createCollection<Loose>(name);
      await coll.insertOne({ _id: 1 });
      await coll.createIndex({ x: 1 }, { name: 'x_1' });
      await coll.dropIndex('x_1');
      await database.command({ collMod: name, validator: { x: { $exists: false } } });
      await coll.rename(`${name}_2`);

      const create = await nextEvent(stream);
      expect(create.operationType).to.equal('create');
      expect(create.collectionUUID?._bsontype).to.equal('Binary');
      const insert = await nextEvent(stream);
      expect(insert.operationType).to.equal('insert');
      expect(String(insert.collectionUUID)).to.equal(String(create.collectionUUID));
      const created = await nextEvent(stream);
      expect(created.operationType).to.equal('createIndexes');
      expect(created.operationDescription.indexes[0]).to.include({ name: 'x_1' });
      const dropped = await nextEvent(stream);
      expect(dropped.operationType).to.equal('dropIndexes');
      expect(dropped.operationDescription.indexes[0]).to.include({ name: 'x_1' });
      expect((await nextEvent(stream)).operationType).to.equal('modify');
      const rename = await nextEvent(stream);
      expect(rename.operationType).to.equal('rename');
      expect(rename.operationDescription.to).to.deep.equal({ db: db.dbName, coll: `${name}_2` });

      // Without showExpandedEvents only the insert and the rename show.
      expect((await nextEvent(plain)).operationType).to.equal('insert');
      expect((await nextEvent(plain)).operationType).to.equal('rename');
    } finally {
      await stream.close();
      await plain.close();
    }
  });

  describe('pre- and post-images', () => {
    it('gives fullDocument and fullDocumentBeforeChange once the collection keeps images', async () => {
      const coll = await freshCollection([{ _id: 1, n: 1 }]);
      await database.command({
        collMod: coll.collectionName,
        changeStreamPreAndPostImages: { enabled: true },
      });
      const stream = await opened(
        coll.watch([], { ...QUICK, fullDocument: 'required', fullDocumentBeforeChange: 'required' }),
      );
      try {
        await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
        await coll.deleteOne({ _id: 1 });
        const update = await nextEvent(stream);
        expect(update.fullDocument).to.deep.equal({ _id: 1, n: 2 });
        expect(update.fullDocumentBeforeChange).to.deep.equal({ _id: 1, n: 1 });
        const del = await nextEvent(stream);
        expect(del.operationType).to.equal('delete');
        expect(del.fullDocumentBeforeChange).to.deep.equal({ _id: 1, n: 2 });
      } finally {
        await stream.close();
      }
    });

    it('gives null with whenAvailable, and fails with required, when the collection keeps none', async () => {
      const coll = await freshCollection([{ _id: 1, n: 1 }]);
      const available = await opened(
        coll.watch([], {
          ...QUICK,
          fullDocument: 'whenAvailable',
          fullDocumentBeforeChange: 'whenAvailable',
        }),
      );
      const required = await opened(coll.watch([], { ...QUICK, fullDocumentBeforeChange: 'required' }));
      try {
        await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
        const update = await nextEvent(available);
        expect(update.fullDocument).to.equal(null);
        expect(update.fullDocumentBeforeChange).to.equal(null);
        const err = await nextEvent(required).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(MongoServerError);
      } finally {
        await available.close();
        await required.close();
      }
    });
  });

  it('describes a pipeline update as a diff: a nested field, a removed field, a truncated array', async () => {
    const text = 'x'.repeat(200); // a large sub-document: its one changed field is reported, not all of it
    const coll = await freshCollection([
      { _id: 1, a: { b: 1, text }, arr: ['foo', { a: 'bar' }, 1, 2, 3], gone: 1 },
    ]);
    const stream = await opened(coll.watch([], QUICK));
    try {
      await coll.updateOne({ _id: 1 }, [
        { $set: { 'a.b': 2, arr: ['foo', { a: 'bar' }] } },
        { $unset: 'gone' },
      ]);
      const { updateDescription } = await nextEvent(stream);
      expect(updateDescription.updatedFields).to.deep.equal({ 'a.b': 2 });
      expect(updateDescription.removedFields).to.deep.equal(['gone']);
      expect(updateDescription.truncatedArrays).to.deep.equal([{ field: 'arr', newSize: 2 }]);
    } finally {
      await stream.close();
    }
  });
});
