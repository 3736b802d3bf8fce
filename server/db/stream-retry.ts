import { MongoError } from 'mongodb';

/** Reopening a change stream that failed: waits from 50 ms, doubling to 5 s. */
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 5000;

/** The wait before reopening after `failures` failures in a row. */
export function backoff(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures, 10));
}

/** A timer that does not keep the process alive (bounds a close). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** What a log line says of a stream failure: driver errors with their code. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof MongoError) return { name: error.name, code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { message: String(error) };
}

/** The backoff sleep of a stream loop, which its close cuts short. */
export class Pause {
  private wake: (() => void) | null = null;

  /** Sleeps `ms`, or until `wakeNow`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Ends the current sleep at once (if any). */
  wakeNow(): void {
    this.wake?.();
  }
}
