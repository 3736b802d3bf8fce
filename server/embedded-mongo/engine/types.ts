import type { Timestamp } from 'bson';

/** A decoded BSON document as stored and returned by the engine. */
export type Doc = Record<string, any>;

/** One committed write, in commit order: what change streams read (like MongoDB's oplog). */
export interface OplogEntry {
  /** 1, 2, 3, ... in commit order; never reused. The change-stream resume token encodes it. */
  seq: number;
  /** Cluster time of the commit; all entries of one transaction share it. */
  ts: Timestamp;
  wallTime: Date;
  op: 'insert' | 'update' | 'replace' | 'delete' | 'drop' | 'dropDatabase';
  ns: { db: string; coll?: string };
  /** `{_id}` for document events. */
  documentKey?: Doc;
  /** insert/replace: the new document. update: the post-image (change streams expose it only for updateLookup). */
  fullDocument?: Doc;
  /** update: what changed. */
  updateDescription?: { updatedFields: Doc; removedFields: string[]; truncatedArrays: Doc[] };
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
