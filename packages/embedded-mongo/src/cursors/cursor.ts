import { bsonSize } from '../engine/bson-size';
import type { Doc } from '../engine/types';
import { MAX_BSON_BYTES } from '../wire/protocol';

/** One batch a cursor hands out. */
export interface Batch {
  docs: Doc[];
  /** No more batches: the reply carries cursor id 0 and the cursor is forgotten. */
  exhausted: boolean;
  /** Change streams: where to resume after this batch. */
  postBatchResumeToken?: Doc;
}

/** An open server-side cursor, as the registry and getMore see it. */
export interface ServerCursor {
  /** `db.collection` (or `db.$cmd.aggregate`), checked against getMore's `collection`. */
  readonly ns: string;
  /** The session that opened it; endSessions kills it. */
  readonly sessionKey?: string;
  readonly isChangeStream: boolean;
  /**
   * The next batch. `batchSize` undefined: as many as fit in 16 MiB. A change stream may wait up to `maxTimeMS`
   * for events, so this may return a promise.
   */
  next(batchSize: number | undefined, maxTimeMS: number | undefined): Batch | Promise<Batch>;
  /** Frees the cursor; a getMore waiting on it wakes up and fails with CursorNotFound. */
  kill(): void;
}

/** Bytes of documents in one batch: a reply must stay under the 16 MiB document limit. */
const BATCH_BYTES = MAX_BSON_BYTES - 64 * 1024;

/**
 * How many of `docs[start..]` make the next batch: at most `batchSize`, and no more than fit in a reply (the
 * first document always goes, so a batch is never empty while documents remain).
 */
export function batchLength(docs: readonly Doc[], start: number, batchSize: number | undefined): number {
  const end = Math.min(docs.length, batchSize === undefined ? docs.length : start + batchSize);
  if (end - start <= 1) return end - start;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    bytes += bsonSize(docs[i]); // exact, without serialising
    if (bytes > BATCH_BYTES && i > start) return i - start;
  }
  return end - start;
}

/** A cursor over results the engine computed in full (find, aggregate, listCollections, listIndexes). */
export class ArrayCursor implements ServerCursor {
  readonly isChangeStream = false;

  constructor(
    readonly ns: string,
    private docs: Doc[],
    private position: number,
    readonly sessionKey?: string,
  ) {}

  next(batchSize: number | undefined): Batch {
    const n = batchLength(this.docs, this.position, batchSize);
    const docs = this.docs.slice(this.position, this.position + n);
    this.position += n;
    return { docs, exhausted: this.position >= this.docs.length };
  }

  kill(): void {
    this.docs = [];
  }
}
