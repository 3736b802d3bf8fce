import { ObjectId } from 'bson';
import type { Doc } from '../engine/types';
import { MAX_BSON_BYTES, MAX_MESSAGE_BYTES } from '../wire/protocol';
import type { CommandHandler } from './context';

/** Replica-set name the server reports: drivers need a set to allow transactions and change streams. */
export const SET_NAME = 'rs0';
/** Wire version 21 = MongoDB 7.0. */
export const MAX_WIRE_VERSION = 21;
export const SESSION_TIMEOUT_MINUTES = 30;
/** Fixed: a primary whose electionId went down between two hellos would be marked stale by the driver. */
const ELECTION_ID = new ObjectId('7fffffff0000000000000001');

/**
 * `hello` / `isMaster`: the primary of a one-member replica set. No `topologyVersion`, so drivers poll with a
 * plain hello every heartbeatFrequencyMS instead of streaming (which would need moreToCome replies).
 */
export const hello: CommandHandler = (cmd, ctx) =>
  helloReply(cmd, ctx.server.info.address, ctx.conn.id, false);

/** The legacy spelling answers `ismaster: true` instead of `isWritablePrimary`. */
export const isMaster: CommandHandler = (cmd, ctx) =>
  helloReply(cmd, ctx.server.info.address, ctx.conn.id, true);

function helloReply(cmd: Doc, address: string, connectionId: number, legacy: boolean): Doc {
  const reply: Doc = legacy ? { ismaster: true } : { isWritablePrimary: true };
  if (cmd.helloOk === true) reply.helloOk = true;
  reply.hosts = [address];
  reply.setName = SET_NAME;
  reply.setVersion = 1;
  reply.secondary = false;
  reply.primary = address;
  reply.me = address;
  reply.electionId = ELECTION_ID;
  reply.maxBsonObjectSize = MAX_BSON_BYTES;
  reply.maxMessageSizeBytes = MAX_MESSAGE_BYTES;
  reply.maxWriteBatchSize = 100_000;
  reply.localTime = new Date();
  reply.logicalSessionTimeoutMinutes = SESSION_TIMEOUT_MINUTES;
  reply.connectionId = connectionId;
  reply.minWireVersion = 0;
  reply.maxWireVersion = MAX_WIRE_VERSION;
  reply.readOnly = false;
  reply.ok = 1;
  return reply;
}
