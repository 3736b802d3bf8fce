/**
 * The default memory bound. The bound counts BSON bytes, but the engine holds every document as decoded
 * JavaScript objects plus its `_id` map and index entries: measured at about HEAP_PER_BSON_BYTE heap bytes per
 * BSON byte for purchase-like documents with three secondary indexes (bench/embedded-memory.ts). The default
 * lets the data take half of the Node heap limit, leaving the other half to the application, the oplog and
 * the garbage collector, so that a write refused with ExceededMemoryLimit comes before an out-of-memory crash.
 */
import v8 from 'node:v8';

/** Heap bytes per BSON byte of stored data, measured by bench/embedded-memory.ts (see the README). */
export const HEAP_PER_BSON_BYTE = 8;
/** Share of the heap limit the stored data may use. */
const DATA_SHARE = 0.5;

/** `maxMemoryBytes` when none is given: half the heap limit, in BSON bytes. */
export function defaultMaxMemoryBytes(heapLimit = v8.getHeapStatistics().heap_size_limit): number {
  return Math.floor((heapLimit * DATA_SHARE) / HEAP_PER_BSON_BYTE);
}
