import type { Timestamp } from 'bson';
import type { Engine } from '../engine';
import type { Doc } from '../engine/types';
import { MongoError, mongoError } from '../errors';
import type { BeforeChangeMode, FullDocumentMode } from './change-event';
import {
  ChangeStreamCursor,
  NON_RESUMABLE,
  compareTimestamps,
  type StreamScope,
  type StreamSpec,
} from './change-stream-cursor';
import { compileEventPipeline } from './event-pipeline';
import { decodeToken } from './resume-token';

const STAGE_OPTIONS = new Set([
  'fullDocument',
  'fullDocumentBeforeChange',
  'resumeAfter',
  'startAfter',
  'startAtOperationTime',
  'allChangesForCluster',
  'showExpandedEvents',
  'allowToRunOnConfigDB',
  'allowToRunOnSystemNS',
]);
const FULL_DOCUMENT: FullDocumentMode[] = ['default', 'updateLookup', 'whenAvailable', 'required'];
const BEFORE_CHANGE: BeforeChangeMode[] = ['off', 'whenAvailable', 'required'];

/** Whether an aggregate command opens a change stream (its first stage is `$changeStream`). */
export function isChangeStream(cmd: Doc): boolean {
  const first = Array.isArray(cmd.pipeline) ? cmd.pipeline[0] : undefined;
  return first !== null && typeof first === 'object' && '$changeStream' in first;
}

/**
 * Builds the cursor of `{aggregate, pipeline:[{$changeStream:{...}}, ...stages]}` on `db`: scope, options,
 * start position (now, resumeAfter, startAfter or startAtOperationTime), and the stages that filter events.
 */
export function openChangeStream(
  engine: Engine,
  db: string,
  cmd: Doc,
  sessionKey?: string,
): ChangeStreamCursor {
  const [first, ...stages] = cmd.pipeline as Doc[];
  const opts = first.$changeStream;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw mongoError('TypeMismatch', 'the $changeStream stage takes an object');
  }
  for (const key of Object.keys(opts)) {
    if (!STAGE_OPTIONS.has(key)) {
      throw mongoError('Location40415', `BSON field '$changeStream.${key}' is an unknown field.`);
    }
  }
  const scope = scopeOf(db, cmd.aggregate, opts.allChangesForCluster === true);
  const ns = scope.kind === 'collection' ? `${db}.${scope.coll}` : `${db}.$cmd.aggregate`;
  const spec: StreamSpec = {
    scope,
    fullDocument: oneOf(opts.fullDocument, FULL_DOCUMENT, 'fullDocument'),
    fullDocumentBeforeChange: oneOf(opts.fullDocumentBeforeChange, BEFORE_CHANGE, 'fullDocumentBeforeChange'),
    showExpandedEvents: opts.showExpandedEvents === true,
    filter: compileEventPipeline(stages),
    ...startOf(engine, opts),
  };
  return new ChangeStreamCursor(ns, spec, engine, sessionKey);
}

function scopeOf(db: string, target: unknown, allChangesForCluster: boolean): StreamScope {
  if (allChangesForCluster) {
    if (db !== 'admin' || target !== 1) {
      throw mongoError('InvalidOptions', "allChangesForCluster needs {aggregate: 1} on the 'admin' database");
    }
    return { kind: 'cluster' };
  }
  if (db === 'admin' || db === 'config' || db === 'local') {
    throw mongoError('InvalidNamespace', `$changeStream may not be opened on the internal ${db} database`);
  }
  if (target === 1) return { kind: 'database', db };
  if (typeof target !== 'string' || target === '' || target.startsWith('system.')) {
    throw mongoError('InvalidNamespace', `cannot watch ${db}.${String(target)}`);
  }
  return { kind: 'collection', db, coll: target };
}

function oneOf<T extends string>(value: unknown, allowed: T[], name: string): T {
  if (value === undefined) return allowed[0];
  if (allowed.includes(value as T)) return value as T;
  throw mongoError('BadValue', `'${String(value)}' is not a valid value of ${name} (${allowed.join(', ')})`);
}

/** The oplog position the stream starts after. */
function startOf(engine: Engine, opts: Doc): { startSeq: number; minTime?: Timestamp } {
  const given = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter((k) => opts[k] !== undefined);
  if (given.length > 1) {
    throw mongoError('Location40674', 'Only one type of resume option is allowed, but multiple were found.');
  }
  const oplog = engine.oplog;
  if (opts.resumeAfter !== undefined || opts.startAfter !== undefined) {
    const position = decodeToken(opts.resumeAfter ?? opts.startAfter);
    if (position.invalidate && opts.resumeAfter !== undefined) {
      throw mongoError(
        'InvalidResumeToken',
        'cannot resume a stream after an invalidate event with resumeAfter; use startAfter to open a new stream',
      );
    }
    if (position.seq > oplog.lastSeq || oplog.isLost(position.seq)) throw historyLost();
    return { startSeq: position.seq };
  }
  if (opts.startAtOperationTime !== undefined) {
    const time = opts.startAtOperationTime as Timestamp;
    if ((time as { _bsontype?: string })?._bsontype !== 'Timestamp') {
      throw mongoError('TypeMismatch', 'startAtOperationTime must be a Timestamp');
    }
    const oldest = oplog.since(oplog.firstSeq - 1, 1)[0];
    if (oplog.firstSeq > 1 && (!oldest || compareTimestamps(time, oldest.ts) < 0)) throw historyLost();
    return { startSeq: oplog.firstSeq - 1, minTime: time };
  }
  return { startSeq: oplog.lastSeq };
}

function historyLost(): MongoError {
  return mongoError('ChangeStreamHistoryLost', 'the resume point may no longer be in the oplog', [
    NON_RESUMABLE,
  ]);
}
