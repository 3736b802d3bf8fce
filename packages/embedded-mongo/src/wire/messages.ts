import { deserialize, serialize, type DeserializeOptions } from 'bson';
import type { Doc } from '../engine/types';
import { keepIntegralDoubles, promoteTopLevelLongs } from './exact-numbers';
import { HEADER_BYTES, MAX_BSON_BYTES, MAX_COMMAND_BYTES, MsgFlags, OpCode, ProtocolError } from './protocol';

/** A command read from the wire, whichever opcode carried it. */
export interface Request {
  opCode: typeof OpCode.Msg | typeof OpCode.Query;
  requestId: number;
  /** The command with every OP_MSG document sequence merged in as an array field. */
  command: Doc;
  /** OP_MSG moreToCome: the client expects no reply (w:0 writes, endSessions). */
  moreToCome: boolean;
}

/**
 * How command documents are decoded: int64 as `Long`, every other value promoted; `decodeDocument` then keeps
 * integral doubles as `Double` and gives the top level its JS numbers back (see exact-numbers.ts).
 */
const DECODE_OPTIONS: DeserializeOptions = { promoteLongs: false };

/**
 * Reads one whole message (header included). Throws ProtocolError for anything that is not a well-formed
 * OP_MSG or OP_QUERY with documents inside their limits.
 */
export function parseMessage(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  try {
    if (opCode === OpCode.Msg) return parseOpMsg(msg, requestId);
    if (opCode === OpCode.Query) return parseOpQuery(msg, requestId);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`malformed message: ${(err as Error).message}`);
  }
  throw new ProtocolError(`unsupported opcode ${opCode}`);
}

function parseOpMsg(msg: Buffer, requestId: number): Request {
  const flags = msg.readUInt32LE(HEADER_BYTES);
  if (flags & 0xffff & ~MsgFlags.KnownRequired)
    throw new ProtocolError(`unknown required OP_MSG flags ${flags}`);
  const end = msg.length - (flags & MsgFlags.ChecksumPresent ? 4 : 0);
  let pos = HEADER_BYTES + 4;
  let body: Doc | undefined;
  let sequences: [string, Doc[]][] | undefined;
  while (pos < end) {
    const kind = msg[pos++];
    const size = readSize(msg, pos, end);
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG with more than one body section');
      body = decodeDocument(msg, pos, size, MAX_COMMAND_BYTES, true);
    } else if (kind === 1) {
      (sequences ??= []).push(readSequence(msg, pos, pos + size));
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
    pos += size;
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  for (const [id, docs] of sequences ?? []) {
    if (id in body) throw new ProtocolError(`OP_MSG field '${id}' given both inline and as a sequence`);
    body[id] = docs;
  }
  return { opCode: OpCode.Msg, requestId, command: body, moreToCome: (flags & MsgFlags.MoreToCome) !== 0 };
}

/** A kind-1 section: `int32 size, cstring identifier, document*`. */
function readSequence(msg: Buffer, start: number, end: number): [string, Doc[]] {
  const idEnd = msg.indexOf(0, start + 4);
  if (idEnd < 0 || idEnd >= end) throw new ProtocolError('OP_MSG sequence identifier is not terminated');
  const id = msg.toString('utf8', start + 4, idEnd);
  const docs: Doc[] = [];
  for (let pos = idEnd + 1; pos < end;) {
    const size = readSize(msg, pos, end);
    docs.push(decodeDocument(msg, pos, size, MAX_BSON_BYTES));
    pos += size;
  }
  return [id, docs];
}

/** Legacy OP_QUERY, accepted only for commands on `<db>.$cmd` (the driver's first hello). */
function parseOpQuery(msg: Buffer, requestId: number): Request {
  const nsEnd = msg.indexOf(0, HEADER_BYTES + 4);
  if (nsEnd < 0) throw new ProtocolError('OP_QUERY collection name is not terminated');
  const ns = msg.toString('utf8', HEADER_BYTES + 4, nsEnd);
  const pos = nsEnd + 1 + 8; // numberToSkip, numberToReturn
  const query = decodeDocument(msg, pos, readSize(msg, pos, msg.length), MAX_COMMAND_BYTES, true);
  const dot = ns.indexOf('.');
  if (dot <= 0 || ns.slice(dot + 1) !== '$cmd')
    throw new ProtocolError(`OP_QUERY on '${ns}' is not a command`);
  // Old clients wrap the command as {$query: cmd, $readPreference}.
  const command = query.$query && typeof query.$query === 'object' ? { ...query.$query } : query;
  if (command !== query) promoteTopLevelLongs(command);
  if (command.$db === undefined) command.$db = ns.slice(0, dot);
  return { opCode: OpCode.Query, requestId, command, moreToCome: false };
}

/** The int32 size at `pos`, checked to fit between `pos` and `end`. */
function readSize(msg: Buffer, pos: number, end: number): number {
  if (pos + 4 > end) throw new ProtocolError('message truncated');
  const size = msg.readInt32LE(pos);
  if (size < 5 || pos + size > end) throw new ProtocolError(`bad section or document size ${size}`);
  return size;
}

/**
 * One document of a message with its numbers typed as exact-numbers.ts describes: a command body (`isCommand`)
 * keeps JS numbers in its top-level fields; a document of a kind-1 sequence is data throughout.
 */
function decodeDocument(msg: Buffer, pos: number, size: number, max: number, isCommand = false): Doc {
  if (size > max) throw new ProtocolError(`document of ${size} bytes is over the ${max} byte limit`);
  const bytes = msg.subarray(pos, pos + size);
  const doc = deserialize(bytes, DECODE_OPTIONS);
  keepIntegralDoubles(bytes, 0, doc, isCommand);
  if (isCommand) promoteTopLevelLongs(doc);
  return doc;
}

let nextRequestId = 1;

/**
 * Encodes a reply in the opcode the request came in: OP_MSG (one kind-0 section, no checksum) or, for the
 * legacy handshake, OP_REPLY. One buffer, so the socket sends it with one write.
 */
export function encodeReply(request: Request, reply: Doc): Buffer {
  const body = serialize(reply);
  const isMsg = request.opCode === OpCode.Msg;
  const headLength = isMsg ? 21 : 36;
  const out = Buffer.allocUnsafe(headLength + body.length);
  writeHeader(out, out.length, request.requestId, isMsg ? OpCode.Msg : OpCode.Reply);
  if (isMsg) {
    out.writeUInt32LE(0, 16); // flags
    out[20] = 0; // section kind 0
  } else {
    out.fill(0, 16, 32); // flags, cursorId, startingFrom
    out.writeInt32LE(1, 32); // numberReturned
  }
  out.set(body, headLength);
  return out;
}

function writeHeader(head: Buffer, length: number, responseTo: number, opCode: number): void {
  head.writeInt32LE(length, 0);
  head.writeInt32LE(nextRequestId, 4);
  nextRequestId = (nextRequestId + 1) & 0x7fffffff || 1;
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
}
