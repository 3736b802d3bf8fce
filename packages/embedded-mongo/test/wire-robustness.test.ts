import { expect } from 'chai';
import net from 'node:net';
import { MongoClient } from 'mongodb';
import { embeddedServerLog, getTestDatabase, type TestDatabase } from './helpers/db';
import { closedWithin, connectRaw, frame, hostPort, opMsg, readReply, refused } from './raw-wire';

/** A small seeded generator, so a failing fuzz run can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('embedded-mongo: wire robustness', () => {
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

  async function pingStillWorks(): Promise<void> {
    expect((await client.db('admin').command({ ping: 1 })).ok).to.equal(1);
  }

  it('closes a connection that announces a length below the header size', async () => {
    const socket = await connectRaw(db.uri);
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(3, 0);
    socket.write(bad);
    expect(await closedWithin(socket, 2000)).to.equal(true);
    await pingStillWorks();
  });

  it('closes a connection that announces a message over 48 MB', async () => {
    const socket = await connectRaw(db.uri);
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(49_000_000, 0);
    bad.writeInt32LE(2013, 12);
    socket.write(bad);
    expect(await closedWithin(socket, 2000)).to.equal(true);
    await pingStillWorks();
  });

  it('refuses a document over 16 MiB', async () => {
    const socket = await connectRaw(db.uri);
    const huge = { _id: 1, pad: 'x'.repeat(17 * 1024 * 1024) };
    socket.write(opMsg({ insert: 'big', $db: db.dbName }, { sequences: [['documents', [huge]]] }));
    expect(await refused(socket, 5000)).to.equal(true);
    socket.destroy();
    await pingStillWorks();
    expect(await client.db(db.dbName).collection('big').countDocuments()).to.equal(0);
  });

  it('refuses an unknown opcode', async () => {
    const socket = await connectRaw(db.uri);
    socket.write(frame(4242, Buffer.alloc(24)));
    expect(await refused(socket, 2000)).to.equal(true);
    socket.destroy();
    await pingStillWorks();
  });

  it('refuses a message whose body document is malformed', async () => {
    const socket = await connectRaw(db.uri);
    const msg = opMsg({ ping: 1, $db: 'admin' });
    msg.writeInt32LE(9999, 21); // the document claims more bytes than the message holds
    socket.write(msg);
    expect(await refused(socket, 2000)).to.equal(true);
    socket.destroy();
    await pingStillWorks();
  });

  it('closes the connection on those (embedded server)', async function () {
    if (!db.faults) this.skip();
    for (const bad of [
      frame(4242, Buffer.alloc(24)),
      Buffer.concat([opMsg({ ping: 1 }).subarray(0, 21), Buffer.alloc(8)]),
    ]) {
      const socket = await connectRaw(db.uri);
      bad.writeInt32LE(bad.length, 0);
      socket.write(bad);
      expect(await closedWithin(socket, 2000)).to.equal(true);
    }
    await pingStillWorks();
  });

  it('logs why it closed a connection', async function () {
    if (!db.faults) this.skip();
    const socket = await connectRaw(db.uri);
    socket.write(frame(4243, Buffer.alloc(8)));
    await closedWithin(socket, 2000);
    expect(embeddedServerLog().some((line) => line.includes('4243'))).to.equal(true);
  });

  it('keeps waiting for the rest of a message split in pieces, then answers it', async () => {
    const socket = await connectRaw(db.uri);
    try {
      const msg = opMsg({ ping: 1, $db: 'admin' });
      const reply = readReply(socket);
      for (let i = 0; i < msg.length; i += 3) {
        socket.write(msg.subarray(i, i + 3));
        await new Promise((r) => setImmediate(r));
      }
      expect((await reply).doc.ok).to.equal(1);
    } finally {
      socket.destroy();
    }
  });

  it('answers two messages that arrive in one packet, in order', async () => {
    const socket = await connectRaw(db.uri);
    try {
      const replies: number[] = [];
      let buf = Buffer.alloc(0);
      const done = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
            replies.push(buf.readInt32LE(8));
            buf = buf.subarray(buf.readInt32LE(0));
          }
          if (replies.length === 2) resolve();
        });
      });
      const a = opMsg({ ping: 1, $db: 'admin' });
      const b = opMsg({ ping: 1, $db: 'admin' });
      socket.write(Buffer.concat([a, b]));
      await done;
      expect(replies).to.deep.equal([a.readInt32LE(4), b.readInt32LE(4)]);
    } finally {
      socket.destroy();
    }
  });

  it('survives ~3 s of random, mutated and truncated messages, and still serves others', async function () {
    this.timeout(20_000);
    const random = prng(0x5eed);
    const { host, port } = hostPort(db.uri);
    const valid = [
      opMsg({ ping: 1, $db: 'admin' }),
      opMsg({ insert: 'fuzz', documents: [{ a: 1 }], $db: db.dbName }),
      opMsg({ find: 'fuzz', filter: { a: { $gt: 0 } }, $db: db.dbName }),
      opMsg({ update: 'fuzz', updates: [{ q: {}, u: { $inc: { a: 1 } } }], $db: db.dbName }),
      opMsg({ aggregate: 'fuzz', pipeline: [{ $match: {} }], cursor: {}, $db: db.dbName }),
    ];
    const mutate = (source: Buffer): Buffer => {
      const out = Buffer.from(source);
      const kind = Math.floor(random() * 4);
      if (kind === 0) return randomBytes(Math.floor(random() * 200));
      if (kind === 1) return out.subarray(0, Math.floor(random() * out.length)); // truncated
      const flips = 1 + Math.floor(random() * 8);
      for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      if (kind === 3) out.writeInt32LE(out.length, 0); // keep the length right so the body gets parsed
      return out;
    };
    const randomBytes = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

    const deadline = Date.now() + 3000;
    let sent = 0;
    while (Date.now() < deadline && sent < 5000) {
      const socket = net.connect(port, host);
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve));
      for (let i = 0; i < 5; i++, sent++) socket.write(mutate(valid[Math.floor(random() * valid.length)]));
      // Give the server a moment to choke (or not), then hang up ourselves.
      await new Promise((r) => setTimeout(r, 5));
      socket.destroy();
      if (sent % 100 === 0) await pingStillWorks();
    }
    expect(sent).to.be.greaterThan(100);
    await pingStillWorks();
    const socket = await connectRaw(db.uri);
    try {
      socket.write(opMsg({ ping: 1, $db: 'admin' }));
      expect((await readReply(socket)).doc.ok).to.equal(1);
    } finally {
      socket.destroy();
    }
  });
});
