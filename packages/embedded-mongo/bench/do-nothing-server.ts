/**
 * The floor of the hot-document benchmark: a server that does no database work. It answers the handshake and
 * hello with a valid primary, and every other command with one fixed findAndModify reply, so the driver's own
 * cost per command is all that is left to measure.
 */
import net from 'node:net';
import { Long, ObjectId, serialize, Timestamp, type Document } from 'bson';

function frame(opCode: number, responseTo: number, prefix: Buffer, body: Uint8Array): Buffer {
  const head = Buffer.alloc(16);
  head.writeInt32LE(16 + prefix.length + body.length, 0);
  head.writeInt32LE(1, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return Buffer.concat([head, prefix, body]);
}

const MSG_PREFIX = Buffer.from([0, 0, 0, 0, 0]); // flags, section kind 0
const REPLY_PREFIX = Buffer.alloc(20); // flags, cursorId, startingFrom
REPLY_PREFIX.writeInt32LE(1, 16); // numberReturned

/** Starts the do-nothing server on a free loopback port. */
export async function startDoNothingServer(): Promise<{ uri: string; stop(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const time = new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 });
  const hello = serialize({
    isWritablePrimary: true,
    ismaster: true,
    helloOk: true,
    hosts: [address],
    setName: 'rs0',
    setVersion: 1,
    primary: address,
    me: address,
    electionId: new ObjectId('7fffffff0000000000000001'),
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    minWireVersion: 0,
    maxWireVersion: 21,
    ok: 1,
  });
  const canned: Document = {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: { _id: 'hot', n: 1 },
    ok: 1,
    operationTime: time,
    $clusterTime: { clusterTime: time, signature: { hash: Buffer.alloc(20), keyId: Long.ZERO } },
  };
  const reply = serialize(canned);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 16 && buf.length >= buf.readInt32LE(0)) {
        const length = buf.readInt32LE(0);
        const requestId = buf.readInt32LE(4);
        const opCode = buf.readInt32LE(12);
        if (opCode === 2004) {
          socket.write(frame(1, requestId, REPLY_PREFIX, hello));
        } else {
          const moreToCome = (buf.readUInt32LE(16) & 2) !== 0;
          // The command name is the first key of the body: after flags, kind, int32 size and a type byte.
          const nameEnd = buf.indexOf(0, 26);
          const name = buf.toString('latin1', 26, nameEnd);
          const body = name === 'hello' || name === 'isMaster' || name === 'ismaster' ? hello : reply;
          if (!moreToCome) socket.write(frame(2013, requestId, MSG_PREFIX, body));
        }
        buf = buf.subarray(length);
      }
    });
  });
  return {
    uri: `mongodb://${address}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
