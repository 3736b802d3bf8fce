import type { ChangeStream, Collection, Document } from 'mongodb';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import { backoff, delay, describeError, Pause } from '../db/stream-retry';

/** What the account cache learns from the change stream on `users`. Times are `clock.now().getTime()`. */
export interface AccountChangeHandlers {
  /** The stream answered its first command: changes committed from now on will be delivered. */
  opened(at: number): void;
  /** Every change committed (after the stream opened) before `at` has been passed to `changed`. */
  confirmed(at: number): void;
  /** One account changed (inserted, updated, replaced, deleted), or `null`: possibly all of them (drop, rename). */
  changed(userId: string | null): void;
  /** The stream stopped (non-resumable error or close): nothing it said vouches for the cache any more. */
  broken(): void;
}

export interface AccountChangeOptions {
  /** How long the server holds an idle getMore (default 1000 ms): the rhythm of `confirmed` when nothing changes. */
  maxAwaitTimeMS?: number;
  /** How long `ready` waits for the first stream to open before resolving anyway (default 10 s). */
  openTimeoutMs?: number;
  /** Called after each confirmation with its time (tests wait on it to know a round trip has been applied). */
  onConfirmed?(at: number): void;
}

export interface AccountChangeWatch {
  /** Resolves once the first stream has opened, or after `openTimeoutMs` (the cache then falls back to its TTL). */
  ready: Promise<void>;
  /** Stops the loop and closes the stream; waits (bounded) for the loop to end. */
  close(): Promise<void>;
}

/** Events per round trip. A round trip that returns fewer is known to hold every change committed before it. */
const BATCH_SIZE = 1000;
/** Changes that may concern every account: the cache must forget everything. */
const COLLECTION_WIDE = new Set(['drop', 'rename', 'dropDatabase', 'invalidate']);

/**
 * Only what the cache needs: which account changed. `_id` (the resume token) is kept by `$project`. Collection-wide
 * events are kept too: a dropped or renamed `users` means every cached account may be gone.
 */
export function accountChangePipeline(): Document[] {
  return [
    {
      $match: {
        operationType: { $in: ['insert', 'update', 'replace', 'delete', 'drop', 'rename', 'dropDatabase'] },
      },
    },
    { $project: { operationType: 1, documentKey: 1 } },
  ];
}

/**
 * Watches `users` for the life of the process and tells the account cache what changed and up to when it is sure.
 *
 * Driven by `tryNext` in a loop rather than 'change' events, because the cache needs to know when a round trip
 * started, not only what it returned: a getMore that started at time G and returned a batch that is not full holds
 * every change committed before G (an idle one returns empty after maxAwaitTimeMS). Once that batch is applied,
 * `confirmed(G)`. A full batch proves nothing (more may be waiting), so it confirms nothing.
 *
 * The driver resumes resumable errors itself, from its resume token, so nothing is missed and this loop does not
 * see them. Any other error, or the stream closing, is `broken()` (the cache falls back to its TTL), logged, and
 * the stream is reopened from now after a backoff (50 ms doubling to 5 s). Reopening from now (not from the last
 * token) is enough: `broken()` has already withdrawn every vouch, so missed changes cannot leave a stale entry
 * beyond the TTL.
 */
export function watchAccountChanges(
  collection: Pick<Collection, 'watch'>,
  clock: Clock,
  logger: Logger,
  handlers: AccountChangeHandlers,
  options: AccountChangeOptions = {},
): AccountChangeWatch {
  const observed: AccountChangeHandlers = {
    ...handlers,
    confirmed: (at) => {
      handlers.confirmed(at);
      options.onConfirmed?.(at);
    },
  };
  const loop = new AccountChangeLoop(collection, clock, logger, observed, options.maxAwaitTimeMS ?? 1000);
  const running = loop.run();
  return {
    ready: loop.firstOpen(options.openTimeoutMs ?? 10_000),
    close: async () => {
      await loop.stop();
      await Promise.race([running, delay(3000)]);
    },
  };
}

class AccountChangeLoop {
  private stream: ChangeStream | null = null;
  private closing = false;
  private readonly pause = new Pause();
  private signalOpen: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => (this.signalOpen = resolve));

  constructor(
    private readonly collection: Pick<Collection, 'watch'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly handlers: AccountChangeHandlers,
    private readonly maxAwaitTimeMS: number,
  ) {}

  async firstOpen(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      this.opened.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs).unref())),
    ]);
    clearTimeout(timer);
    if (late && !this.closing)
      this.logger.warn('accounts: change stream not open yet; the account cache uses its TTL meanwhile', {
        timeoutMs,
      });
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.pause.wakeNow();
    await this.stream?.close().catch(() => undefined);
  }

  async run(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      const stream = this.collection.watch(accountChangePipeline(), {
        maxAwaitTimeMS: this.maxAwaitTimeMS,
        batchSize: BATCH_SIZE,
      });
      this.stream = stream;
      try {
        await this.follow(stream, () => (failures = 0));
      } catch (error) {
        if (this.closing) break;
        this.handlers.broken();
        this.logger.warn('accounts: change stream error; account cache on its TTL until reopened', {
          error: describeError(error),
          attempt: failures + 1,
        });
        await this.pause.sleep(backoff(failures++));
      } finally {
        await stream.close().catch(() => undefined);
        if (this.stream === stream) this.stream = null;
      }
    }
  }

  /** Reads one stream until it fails or the loop closes. */
  private async follow(stream: ChangeStream, onOpen: () => void): Promise<void> {
    let open = false;
    // The start of the round trip whose batch is being applied, and whether that batch proves completeness.
    let roundStart: number | undefined;
    let roundComplete = false;
    while (!this.closing) {
      // An empty buffer means this tryNext goes to the server; otherwise it only takes the next buffered event.
      const fetches = stream.bufferedCount() === 0;
      const startedAt = this.now();
      const change = await stream.tryNext();
      if (this.closing) return;
      // A closed stream answers null forever without a round trip: that is a failure, not a quiet period.
      if (stream.closed) throw new Error('change stream closed');
      if (!open) {
        open = true;
        onOpen();
        this.handlers.opened(this.now());
        this.signalOpen();
      }
      if (fetches) {
        roundStart = startedAt;
        roundComplete = change === null || 1 + stream.bufferedCount() < BATCH_SIZE;
      }
      if (change) this.apply(change);
      if (stream.bufferedCount() === 0 && roundStart !== undefined) {
        if (roundComplete) this.handlers.confirmed(roundStart);
        roundStart = undefined;
      }
    }
  }

  private apply(change: Document): void {
    const type = String(change.operationType);
    if (COLLECTION_WIDE.has(type)) {
      this.handlers.changed(null);
      // After an invalidate the server has ended the stream: reopen.
      if (type === 'invalidate') throw new Error('change stream invalidated');
      return;
    }
    const id = change.documentKey?._id;
    // An event without a key cannot be pinned to one account: forget them all rather than guess.
    this.handlers.changed(id == null ? null : String(id));
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
