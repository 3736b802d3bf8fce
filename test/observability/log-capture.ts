import { Writable } from 'node:stream';
import winston from 'winston';

/** A winston logger whose JSON lines are kept in memory, for asserting what is (and is not) logged. */
export interface CapturedLogger {
  logger: winston.Logger;
  /** Every line logged so far, parsed. */
  entries: Record<string, unknown>[];
  /** Every line logged so far, as written. */
  lines: string[];
}

/** Creates a logger at `level` that writes JSON lines to memory. */
export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        entries.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = winston.createLogger({
    level,
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, entries, lines };
}
