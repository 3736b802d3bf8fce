import net from 'node:net';
import { deserialize, serialize, type Document } from 'bson';

/** Helpers to talk to a server over a raw socket, below the driver (framing and fuzz tests). */

export function hostPort(uri: string): { host: string; port: number } {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^:/,?]+)(?::(\d+))?/.exec(uri);
  if (!m) throw new Error(`cannot parse host from ${uri}`);
  return { host: m[1], port: Number(m[2] ?? 27017) };
}

export function connectRaw(uri: string): Promise<net.Socket> {
  const { host, port } = hostPort(uri);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => resolve(socket));
    socket.once('error', reject);
  });
}

let requestId = 1000;

/** An OP_MSG with one body section and optional kind-1 sequences. */
export function opMsg(
  body: Document,
  opts: { flags?: number; sequences?: [string, Document[]][] } = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [id, docs] of opts.sequences ?? []) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(opts.flags ?? 0);
  return frame(2013, Buffer.concat([flags, ...parts]));
}

/** A legacy OP_QUERY on `<db>.$cmd`. */
export function opQuery(db: string, query: Document): Buffer {
  const head = Buffer.alloc(4); // flags
  const tail = Buffer.alloc(8);
  tail.writeInt32LE(0, 0); // numberToSkip
  tail.writeInt32LE(-1, 4); // numberToReturn
  return frame(2004, Buffer.concat([head, Buffer.from(`${db}.$cmd\0`), tail, Buffer.from(serialize(query))]));
}

export function frame(opCode: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(++requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

export interface RawReply {
  opCode: number;
  responseTo: number;
  doc: Document;
}

/** Reads the next whole reply (OP_MSG or OP_REPLY); rejects if the socket closes or `ms` pass first. */
export function readReply(socket: net.Socket, ms = 3000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no reply in time')), ms);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return;
      const opCode = buf.readInt32LE(12);
      const docStart = opCode === 2013 ? 21 : 36;
      const doc = deserialize(buf.subarray(docStart, buf.readInt32LE(0)));
      finish(undefined, { opCode, responseTo: buf.readInt32LE(8), doc });
    };
    const onClose = (): void => finish(new Error('socket closed'));
    const finish = (err?: Error, reply?: RawReply): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** Resolves true when the server closes the socket within `ms`, false otherwise. */
export function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(false);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once('close', onClose);
    socket.resume();
  });
}

/**
 * Resolves true when the server refuses what was sent: it closes the socket, or answers with `ok: 0`.
 * (MongoDB closes on framing errors and may answer some malformed messages with an error instead.)
 */
export async function refused(socket: net.Socket, ms: number): Promise<boolean> {
  try {
    const reply = await readReply(socket, ms);
    return reply.doc.ok === 0;
  } catch (err) {
    return (err as Error).message === 'socket closed' || socket.destroyed;
  }
}
