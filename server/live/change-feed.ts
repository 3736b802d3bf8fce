import { MongoCursorExhaustedError, MongoError } from 'mongodb';
import type { ChangeStream, Collection, Document, ResumeToken } from 'mongodb';
import type { Logger } from 'winston';
import { backoff, delay, describeError, Pause } from '../db/stream-retry';
import { LIVE_FIELDS } from './sale-state';

/** One change of a sale, reduced to what the gateway needs. */
export interface SaleChange {
  operationType: 'insert' | 'update' | 'replace';
  saleId: string;
  /** insert and replace: the projected document. */
  fullDocument?: Document;
  /** update: the projected `updateDescription.updatedFields`. */
  updatedFields?: Document;
}

export interface ChangeFeedOptions {
  /** The `sales` collection of the native driver (only watched). */
  collection: Pick<Collection, 'watch'>;
  logger: Logger;
  /** Called for each change, one at a time, in stream order. */
  onChange(change: SaleChange): Promise<void>;
  /**
   * Called once a stream has been reopened without its history (history lost, invalidated, or a token the
   * server refuses): changes may have been missed, so every state derived from the stream must be rebuilt.
   */
  onHistoryLost(): Promise<void>;
  /** How long the server holds an idle getMore (default 1000 ms). */
  maxAwaitTimeMS?: number;
  /** Called for every event the stream delivers (metrics: count and lag). */
  onEvent?(operationType: string, wallTime: Date | undefined): void;
  /** How long `start` waits for the first stream to open before resolving anyway (default 10 s). */
  openTimeoutMs?: number;
}

/** Server errors after which the resume token is useless: reopen from now and rebuild. */
const HISTORY_LOST_CODES = new Set([
  136, // CappedPositionLost
  260, // InvalidResumeToken
  280, // ChangeStreamFatalError
  286, // ChangeStreamHistoryLost
]);
/** Reopening with the same token this many times in a row without progress means the token is the problem. */
const MAX_RESUME_ATTEMPTS = 5;

/**
 * The change-stream pipeline: only inserts, replaces and updates that touch a field clients see (writes that
 * only drain the purchase outbox are filtered out by the server).
 */
export function salesChangePipeline(): Document[] {
  const touched = LIVE_FIELDS.map((f) => ({ [`updateDescription.updatedFields.${f}`]: { $exists: true } }));
  // Updates keep all their changed fields: a purchase's are a few hundred bytes (its outbox entry, tally and key
  // digest), and `sale:purchases` is built from them. Inserts and replaces keep only the live fields.
  const projection: Document = {
    operationType: 1,
    documentKey: 1,
    wallTime: 1,
    'updateDescription.updatedFields': 1,
  };
  for (const f of LIVE_FIELDS) projection[`fullDocument.${f}`] = 1;
  return [
    {
      $match: {
        $or: [{ operationType: { $in: ['insert', 'replace'] } }, { operationType: 'update', $or: touched }],
      },
    },
    { $project: projection },
  ];
}

function isHistoryLost(error: unknown): boolean {
  if (error instanceof MongoCursorExhaustedError) return true; // the server ended the stream (invalidate)
  return error instanceof MongoError && typeof error.code === 'number' && HISTORY_LOST_CODES.has(error.code);
}

/**
 * One change stream on the sales collection, kept open for the life of the process. The driver resumes by
 * itself on resumable errors; any other error or an unexpected close reopens the stream after the last token
 * seen (with backoff), and when that token is of no use (history lost, invalidated, refused again and again)
 * it reopens from now and asks for a rebuild through `onHistoryLost`.
 */
export class SalesChangeFeed {
  private token: ResumeToken | undefined;
  private stream: ChangeStream | null = null;
  private closing = false;
  private loop: Promise<void> | null = null;
  private readonly pause = new Pause();
  private signalOpen: (() => void) | null = null;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Opens the stream; resolves once the server has answered its first aggregate (or after `openTimeoutMs`). */
  async start(): Promise<void> {
    if (this.loop) throw new Error('change feed already started');
    const opened = new Promise<void>((resolve) => (this.signalOpen = resolve));
    this.loop = this.run();
    const timeoutMs = this.options.openTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const late = await Promise.race([opened.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late)
      this.options.logger.warn('live: change stream not open yet; retrying in the background', { timeoutMs });
  }

  /** Closes the stream and waits (bounded) for the loop to end. */
  async close(): Promise<void> {
    this.closing = true;
    this.pause.wakeNow();
    await this.stream?.close().catch(() => undefined);
    if (this.loop) await Promise.race([this.loop, delay(3000)]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let resumeAttempts = 0;
    let rebuild = false;
    while (!this.closing) {
      let opened = false;
      // The first sign that the server answered: a resume token in its first reply or the first tryNext result.
      const onOpen = () => {
        if (opened) return;
        opened = true;
        failures = 0;
        resumeAttempts = 0;
        this.signalOpen?.();
        this.signalOpen = null;
        if (rebuild) {
          rebuild = false;
          void this.rebuild();
        }
      };
      const stream = this.open(onOpen);
      try {
        for (;;) {
          const change = await stream.tryNext();
          if (this.closing) break;
          onOpen();
          if (change) await this.handle(change);
          this.token = stream.resumeToken ?? this.token;
        }
      } catch (error) {
        if (this.closing) break;
        resumeAttempts = opened ? 1 : resumeAttempts + 1;
        const lost =
          isHistoryLost(error) || (this.token !== undefined && resumeAttempts >= MAX_RESUME_ATTEMPTS);
        this.options.logger.warn('live: change stream error, reopening', {
          error: describeError(error),
          fromNow: lost,
          attempt: resumeAttempts,
        });
        if (lost) {
          this.token = undefined;
          resumeAttempts = 0;
          rebuild = true;
        }
        await this.pause.sleep(backoff(failures++));
      } finally {
        await stream.close().catch(() => undefined);
        if (this.stream === stream) this.stream = null;
      }
    }
  }

  private open(onOpen: () => void): ChangeStream {
    const { collection, maxAwaitTimeMS = 1000 } = this.options;
    const stream = collection.watch(salesChangePipeline(), {
      maxAwaitTimeMS,
      ...(this.token ? { resumeAfter: this.token } : {}),
    });
    // Real servers send a postBatchResumeToken with the first reply: the earliest sign the stream is open.
    stream.once('resumeTokenChanged', onOpen);
    this.stream = stream;
    return stream;
  }

  private async handle(change: Document): Promise<void> {
    const type = change.operationType;
    this.options.onEvent?.(type, change.wallTime instanceof Date ? change.wallTime : undefined);
    if (type === 'invalidate') throw new MongoCursorExhaustedError('change stream invalidated');
    if (type !== 'insert' && type !== 'update' && type !== 'replace') return;
    const id = change.documentKey?._id;
    if (id == null) return;
    try {
      await this.options.onChange({
        operationType: type,
        saleId: String(id),
        fullDocument: change.fullDocument ?? undefined,
        updatedFields: change.updateDescription?.updatedFields ?? undefined,
      });
    } catch (error) {
      this.options.logger.error('live: change handler failed', {
        saleId: String(id),
        error: describeError(error),
      });
    }
  }

  private async rebuild(): Promise<void> {
    try {
      await this.options.onHistoryLost();
    } catch (error) {
      this.options.logger.error('live: rebuild after history loss failed', { error: describeError(error) });
    }
  }
}
