import { Long } from 'bson';
import type { Engine } from '../engine';
import type { Doc, OplogEntry } from '../engine/types';
import { mongoError } from '../errors';
import { disambiguatedPaths } from './disambiguate';
import { encodeToken } from './resume-token';

export type FullDocumentMode = 'default' | 'updateLookup' | 'whenAvailable' | 'required';
export type BeforeChangeMode = 'off' | 'whenAvailable' | 'required';

export interface EventOptions {
  fullDocument: FullDocumentMode;
  fullDocumentBeforeChange: BeforeChangeMode;
  /** MongoDB 6.1+ expanded events: here, `updateDescription.disambiguatedPaths`. */
  showExpandedEvents: boolean;
}

/** Operations only streams opened with `showExpandedEvents` see (MongoDB 6.0+). */
const EXPANDED_ONLY = new Set<OplogEntry['op']>(['create', 'createIndexes', 'dropIndexes', 'modify']);

/** Whether a stream with these options reports this kind of entry at all. */
export function reports(entry: OplogEntry, opts: EventOptions): boolean {
  return opts.showExpandedEvents || !EXPANDED_ONLY.has(entry.op);
}

/**
 * The change event MongoDB reports for one oplog entry, fields in MongoDB's order. For updates, `fullDocument`
 * is looked up now (updateLookup: the document as it is at delivery, null if gone) or taken from the entry's
 * post-image (whenAvailable/required: kept only for collections with changeStreamPreAndPostImages), and
 * `fullDocumentBeforeChange` from its pre-image.
 */
export function changeEvent(entry: OplogEntry, engine: Engine, opts: EventOptions): Doc {
  const event: Doc = {
    _id: encodeToken(entry.seq),
    operationType: entry.op,
    clusterTime: entry.ts,
    // Its own Date: the stream's stages run on the event uncloned, and the oplog entry's Date is shared.
    wallTime: new Date(entry.wallTime.getTime()),
  };
  if (opts.showExpandedEvents && entry.uuid) event.collectionUUID = entry.uuid;
  switch (entry.op) {
    case 'insert':
    case 'replace':
      event.fullDocument = entry.fullDocument ?? null;
      break;
    case 'update':
      if (opts.fullDocument !== 'default') event.fullDocument = postImage(entry, engine, opts.fullDocument);
      break;
  }
  if (opts.fullDocumentBeforeChange !== 'off' && isDocumentOp(entry.op) && entry.op !== 'insert') {
    if (!entry.preImage && opts.fullDocumentBeforeChange === 'required') {
      throw mongoError(
        'NoMatchingDocument',
        `Change stream was configured to require a pre-image for all update, delete and replace events, but no pre-image was available for event ${encodeToken(entry.seq)._data}: enable changeStreamPreAndPostImages on the collection`,
      );
    }
    event.fullDocumentBeforeChange = entry.preImage ?? null;
  }
  event.ns = entry.ns.coll === undefined ? { db: entry.ns.db } : { db: entry.ns.db, coll: entry.ns.coll };
  if (entry.documentKey) event.documentKey = entry.documentKey;
  if (entry.op === 'update' && entry.updateDescription) {
    event.updateDescription = opts.showExpandedEvents
      ? {
          ...entry.updateDescription,
          disambiguatedPaths: entry.fullDocument
            ? disambiguatedPaths(entry.updateDescription, entry.fullDocument)
            : currentPaths(entry, engine),
        }
      : entry.updateDescription;
  }
  if (entry.to) event.to = entry.to;
  if (opts.showExpandedEvents && entry.operationDescription)
    event.operationDescription = entry.operationDescription;
  if (opts.showExpandedEvents && entry.stateBeforeChange) event.stateBeforeChange = entry.stateBeforeChange;
  if (entry.lsid && entry.txnNumber !== undefined) {
    event.lsid = entry.lsid;
    event.txnNumber = Long.fromNumber(entry.txnNumber);
  }
  return event;
}

/** The event that closes a collection or database stream after its namespace is dropped. */
export function invalidateEvent(entry: OplogEntry): Doc {
  return {
    _id: encodeToken(entry.seq, true),
    operationType: 'invalidate',
    clusterTime: entry.ts,
    wallTime: entry.wallTime,
  };
}

function isDocumentOp(op: OplogEntry['op']): boolean {
  return op === 'insert' || op === 'update' || op === 'replace' || op === 'delete';
}

function postImage(entry: OplogEntry, engine: Engine, mode: FullDocumentMode): Doc | null {
  if (mode === 'updateLookup') {
    return engine.findById(entry.ns.db, entry.ns.coll!, entry.documentKey?._id) ?? null;
  }
  if (entry.fullDocument) return entry.fullDocument;
  if (mode === 'required')
    throw mongoError(
      'NoMatchingDocument',
      'Change stream was configured to require a post-image for all update events, but no post-image was available: enable changeStreamPreAndPostImages on the collection',
    );
  return null;
}

/**
 * Disambiguated paths read from the document as it is now (updates keep no post-image in the oplog), walking
 * only the changed paths of the stored version rather than copying it.
 */
function currentPaths(entry: OplogEntry, engine: Engine): Doc {
  const d = entry.updateDescription!;
  if (!entry.ns.coll || !entry.documentKey) return disambiguatedPaths(d, undefined);
  return (
    engine.readById(entry.ns.db, entry.ns.coll, entry.documentKey._id, (doc) => disambiguatedPaths(d, doc)) ??
    disambiguatedPaths(d, undefined)
  );
}
