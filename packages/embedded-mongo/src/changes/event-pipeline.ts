import { Aggregator } from 'mingo/aggregator';
import { ProcessingMode } from 'mingo/core';
import { mingoOptions } from '../engine/mingo-context';
import { normalizeRegexes } from '../engine/regex';
import type { Doc } from '../engine/types';
import { mongoError } from '../errors';
import { NON_RESUMABLE } from './change-stream-cursor';

/** Stages MongoDB allows after `$changeStream`: they look at one event at a time. */
const ALLOWED = new Set(
  '$match $project $addFields $set $unset $replaceRoot $replaceWith $redact'.split(' '),
);
/** Other stage names MongoDB knows: refused as not permitted here, rather than as unrecognised. */
const KNOWN = new Set(
  (
    '$bucket $bucketAuto $collStats $count $densify $documents $facet $fill $geoNear $graphLookup $group ' +
    '$indexStats $limit $lookup $merge $out $sample $setWindowFields $skip $sort $sortByCount $unionWith $unwind'
  ).split(' '),
);

/** Runs the stages after `$changeStream` on one event; null when the event is filtered out. */
export type EventFilter = (event: Doc) => Doc | null;

/** Compiles the user's stages once per stream; undefined when there are none. */
export function compileEventPipeline(stages: Doc[]): EventFilter | undefined {
  if (stages.length === 0) return undefined;
  for (const stage of stages) {
    const name = stage && typeof stage === 'object' ? Object.keys(stage)[0] : undefined;
    if (name && ALLOWED.has(name)) continue;
    if (name && KNOWN.has(name)) {
      throw mongoError('IllegalOperation', `${name} is not permitted in a $changeStream pipeline`);
    }
    throw mongoError('Location40324', `Unrecognized pipeline stage name: '${name ?? ''}'`);
  }
  let aggregator: Aggregator;
  try {
    // The engine's BSON-aware operators. Inputs are not cloned: every event is built for this stream alone, from
    // copies of the oplog entry and of the looked-up document (cloning the event cost a third of its delivery).
    aggregator = new Aggregator(
      normalizeRegexes(stages) as Doc[],
      mingoOptions({ processingMode: ProcessingMode.CLONE_OFF }),
    );
  } catch (err) {
    throw mongoError('FailedToParse', (err as Error).message);
  }
  return (event) => {
    // Read before running: without cloning, a stage may change the event itself.
    const token = event._id._data;
    const out = aggregator.run<Doc>([event]);
    if (out.length === 0) return null;
    const result = out[0];
    if (result._id?._data !== token) {
      throw mongoError(
        'ChangeStreamFatalError',
        'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. ' +
          'Modifying the _id field of an event makes it impossible to resume the stream from that point.',
        [NON_RESUMABLE],
      );
    }
    return result;
  };
}
