import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { start, type EmbeddedMongo } from '../src';

/** The crash-point hook (test/crash/crash-points.test.ts relies on exactly this behaviour). */
describe('embedded-mongo: pauseAfter', function () {
  let server: EmbeddedMongo;
  let watcher: MongoClient;

  before(async function () {
    if (process.env.MONGODB_URI) this.skip();
    server = await start();
    watcher = await new MongoClient(server.uri).connect();
  });
  after(async () => {
    await watcher?.close();
    await server?.stop();
  });

  const count = () => watcher.db('pause').collection('items').countDocuments();
  const isInsert = (command: Record<string, unknown>) => command.insert === 'items';

  it('applies the first match and holds its reply, holds later matches unrun, lets the rest through', async () => {
    const client = await new MongoClient(server.uri, { maxPoolSize: 4 }).connect();
    try {
      const items = client.db('pause').collection('items');
      const pause = server.faults.pauseAfter(isInsert);
      let answered = false;
      const first = items.insertOne({ n: 1 }).then(() => (answered = true));
      const reached = await pause.reached;
      expect(reached.insert).to.equal('items');
      const second = items.insertOne({ n: 2 });
      await pause.held(2);
      expect(await count()).to.equal(1);
      expect(answered).to.equal(false);
      expect(await items.findOne({ n: 1 })).to.include({ n: 1 });

      pause.release();
      await Promise.all([first, second]);
      expect(await count()).to.equal(2);
      await items.insertOne({ n: 3 }); // released: no longer paused
      expect(await count()).to.equal(3);
    } finally {
      await client.close();
      await watcher.db('pause').dropDatabase();
    }
  });

  it('never runs a held command whose client is gone', async () => {
    const client = await new MongoClient(server.uri, { maxPoolSize: 4 }).connect();
    const items = client.db('pause').collection('items');
    const pause = server.faults.pauseAfter(isInsert);
    const first = items.insertOne({ n: 1 }).catch(() => 'failed');
    await pause.reached;
    const second = items.insertOne({ n: 2 }).catch(() => 'failed');
    await pause.held(2);
    await client.close(true);
    // A round trip lets the server see the closed sockets (as a crash test reads the state before releasing).
    expect(await count()).to.equal(1);
    pause.release();
    expect(await Promise.all([first, second])).to.deep.equal(['failed', 'failed']);
    expect(await count()).to.equal(1);
  });
});
