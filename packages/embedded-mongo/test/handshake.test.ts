import { expect } from 'chai';
import { MongoClient, MongoServerError } from 'mongodb';
import { getTestDatabase, type TestDatabase } from './helpers/db';
import { connectRaw, opMsg, opQuery, readReply } from './raw-wire';

describe('embedded-mongo: handshake and server commands', () => {
  let db: TestDatabase;
  let client: MongoClient;

  before(async () => {
    db = await getTestDatabase();
    client = await new MongoClient(db.uri).connect();
  });

  after(async () => {
    await client?.close();
    await db?.stop();
  });

  describe('hello', () => {
    it('reports a writable replica-set primary with sessions', async () => {
      const hello = await client.db('admin').command({ hello: 1 });
      expect(hello.ok).to.equal(1);
      expect(hello.isWritablePrimary).to.equal(true);
      expect(hello.setName).to.be.a('string');
      expect(hello.hosts).to.be.an('array').with.length.greaterThan(0);
      expect(hello.maxWireVersion).to.be.at.least(9);
      expect(hello.logicalSessionTimeoutMinutes).to.be.a('number');
      expect(hello.maxBsonObjectSize).to.equal(16 * 1024 * 1024);
      expect(hello.maxMessageSizeBytes).to.equal(48_000_000);
    });

    it('makes the driver see a replica set with a primary', async () => {
      const type = (client as any).topology.description.type;
      expect(type).to.equal('ReplicaSetWithPrimary');
    });

    it('answers the legacy OP_QUERY isMaster with an OP_REPLY', async () => {
      const socket = await connectRaw(db.uri);
      try {
        socket.write(opQuery('admin', { ismaster: 1, helloOk: true }));
        const reply = await readReply(socket);
        expect(reply.opCode).to.equal(1);
        expect(reply.doc.ok).to.equal(1);
        expect(reply.doc.ismaster).to.equal(true);
        expect(reply.doc.helloOk).to.equal(true);
      } finally {
        socket.destroy();
      }
    });

    it('answers OP_MSG commands whose arguments come as document sequences', async () => {
      const socket = await connectRaw(db.uri);
      try {
        socket.write(
          opMsg(
            { insert: 'seq', $db: db.dbName },
            {
              sequences: [
                [
                  'documents',
                  [
                    { _id: 1, v: 'a' },
                    { _id: 2, v: 'b' },
                  ],
                ],
              ],
            },
          ),
        );
        const reply = await readReply(socket);
        expect(reply.opCode).to.equal(2013);
        expect(reply.doc).to.include({ ok: 1, n: 2 });
      } finally {
        socket.destroy();
      }
      const docs = await client.db(db.dbName).collection('seq').find().sort({ _id: 1 }).toArray();
      expect(docs.map((d) => d.v)).to.deep.equal(['a', 'b']);
    });
  });

  describe('server commands', () => {
    it('answers ping, buildInfo, connectionStatus and whatsmyuri', async () => {
      const admin = client.db('admin');
      expect((await admin.command({ ping: 1 })).ok).to.equal(1);
      const info = await admin.command({ buildInfo: 1 });
      expect(info.version).to.match(/^\d+\.\d+\.\d+/);
      expect(info.versionArray).to.have.length(4);
      expect((await admin.command({ connectionStatus: 1 })).authInfo).to.have.property('authenticatedUsers');
      expect((await admin.command({ whatsmyuri: 1 })).you).to.match(/:\d+$/);
    });

    it('reads parameters and server status', async () => {
      const admin = client.db('admin');
      const fcv = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
      expect(fcv.featureCompatibilityVersion.version).to.match(/^\d+\.\d+$/);
      const status = await admin.command({ serverStatus: 1 });
      expect(status.connections.current).to.be.at.least(1);
      expect(status.uptime).to.be.a('number');
    });

    it('counts commands by canonical name in serverStatus metrics.commands, failures apart', async () => {
      const admin = client.db('admin');
      const counts = async () => (await admin.command({ serverStatus: 1 })).metrics.commands;
      const coll = client.db(db.dbName).collection('counted');
      await coll.insertOne({ _id: 1, n: 0 } as never);
      const before = await counts();
      await coll.findOneAndUpdate({ _id: 1 } as never, { $inc: { n: 1 } });
      await client
        .db(db.dbName)
        .command({ findandmodify: 'counted', query: { _id: 1 }, update: { $inc: { n: 1 } } });
      const failed = await coll
        .findOneAndUpdate({ _id: 1 } as never, { $inc: { n: 'x' } } as never)
        .catch((e) => e);
      expect(failed).to.be.instanceOf(MongoServerError);
      await client
        .db(db.dbName)
        .command({ noSuchCommandCounted: 1 })
        .catch(() => undefined);
      const after = await counts();
      const delta = (name: string, field: 'total' | 'failed') =>
        Number(after[name]?.[field] ?? 0) - Number(before[name]?.[field] ?? 0);
      expect(delta('findAndModify', 'total')).to.equal(3);
      expect(delta('findAndModify', 'failed')).to.equal(1);
      expect(after).not.to.have.property('findandmodify');
      expect(delta('<UNKNOWN>', 'total')).to.equal(1);
    });

    it('refuses an unknown command with CommandNotFound (59)', async () => {
      const err = await client
        .db(db.dbName)
        .command({ noSuchCommandHere: 1 })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MongoServerError);
      expect((err as MongoServerError).code).to.equal(59);
      expect((err as MongoServerError).codeName).to.equal('CommandNotFound');
    });

    it('stamps replies with operationTime and $clusterTime', async () => {
      const socket = await connectRaw(db.uri);
      try {
        socket.write(opMsg({ ping: 1, $db: 'admin' }));
        const { doc } = await readReply(socket);
        expect(doc.operationTime?._bsontype).to.equal('Timestamp');
        expect(doc.$clusterTime?.clusterTime?._bsontype).to.equal('Timestamp');
      } finally {
        socket.destroy();
      }
    });

    it('does not answer a moreToCome request (w:0 write), so the next reply is not shifted', async () => {
      const coll = client.db(db.dbName).collection('w0');
      await coll.insertOne({ _id: 'fire-and-forget' } as any, { writeConcern: { w: 0 } });
      let found = null;
      for (let i = 0; i < 50 && !found; i++) found = await coll.findOne({ _id: 'fire-and-forget' } as any);
      expect(found).to.deep.equal({ _id: 'fire-and-forget' });
    });
  });
});
