/** Opcodes of the MongoDB wire protocol that this server reads or writes. */
export const OpCode = {
  /** Legacy reply: the only answer a legacy OP_QUERY handshake accepts. */
  Reply: 1,
  /** Legacy query: the driver's first message on every socket is `{ismaster:1}` on `admin.$cmd`. */
  Query: 2004,
  Compressed: 2012,
  Msg: 2013,
} as const;

export const HEADER_BYTES = 16;
/** `maxMessageSizeBytes` advertised in hello; a longer message closes the connection. */
export const MAX_MESSAGE_BYTES = 48_000_000;
/** `maxBsonObjectSize` advertised in hello. */
export const MAX_BSON_BYTES = 16 * 1024 * 1024;
/**
 * A command body may exceed a document's limit by this much (MongoDB's BSONObjMaxInternalSize), so that a
 * 16 MiB document still fits inside an `insert` command that carries it inline.
 */
export const MAX_COMMAND_BYTES = MAX_BSON_BYTES + 16 * 1024;

/** OP_MSG flag bits (spec: OP_MSG). Bits 0-15 are "required": an unknown one there is an error. */
export const MsgFlags = {
  ChecksumPresent: 1 << 0,
  MoreToCome: 1 << 1,
  ExhaustAllowed: 1 << 16,
  KnownRequired: (1 << 0) | (1 << 1),
} as const;

/**
 * A message that cannot be read as the protocol says. The connection that sent it is closed: after a framing
 * error there is no way to find where the next message starts.
 */
export class ProtocolError extends Error {}
