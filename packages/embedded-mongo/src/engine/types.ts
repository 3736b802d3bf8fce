import type { Timestamp, UUID } from 'bson';

/** A decoded BSON document as stored and returned by the engine. */
export type Doc = Record<string, any>;

/** What an oplog entry records; create, createIndexes, dropIndexes and modify reach only expanded streams. */
export type OplogOp =
  | 'insert'
  | 'update'
  | 'replace'
  | 'delete'
  | 'drop'
  | 'dropDatabase'
  | 'rename'
  | 'create'
  | 'createIndexes'
  | 'dropIndexes'
  | 'modify';

/** One committed write, in commit order: what change streams read (like MongoDB's oplog). */
export interface OplogEntry {
  /** 1, 2, 3, ... in commit order; never reused. The change-stream resume token encodes it. */
  seq: number;
  /** Cluster time of the commit; all entries of one transaction share it. */
  ts: Timestamp;
  wallTime: Date;
  op: OplogOp;
  ns: { db: string; coll?: string };
  /** UUID of the collection written (change streams' `collectionUUID`). */
  uuid?: UUID;
  /** `{_id}` for document events. */
  documentKey?: Doc;
  /** insert/replace: the new document. update: the post-image (change streams expose it only for updateLookup). */
  fullDocument?: Doc;
  /** update: what changed. */
  updateDescription?: { updatedFields: Doc; removedFields: string[]; truncatedArrays: Doc[] };
  /** update / replace / delete on a collection with changeStreamPreAndPostImages: the version before. */
  preImage?: Doc;
  /** DDL entries (create, createIndexes, dropIndexes, rename, modify): what the operation did. */
  operationDescription?: Doc;
  /** rename: the new namespace. */
  to?: { db: string; coll: string };
  /** modify: the collection's options before. */
  stateBeforeChange?: Doc;
  /** For transactions: the lsid and txnNumber of the commit. */
  lsid?: Doc;
  txnNumber?: number;
}

/** Options of `Engine`: all bounds are configurable so tests can hit them. */
export interface EngineOptions {
  /** Bytes of BSON the documents may take in all; a write past it fails with ExceededMemoryLimit (146). */
  maxMemoryBytes?: number;
  /** How many entries the oplog keeps; older resume tokens get ChangeStreamHistoryLost (286). */
  oplogSize?: number;
}
