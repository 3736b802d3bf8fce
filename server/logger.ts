import { setLogger as setCronLogger } from 'node-cron';
import winston from 'winston';

/** Options of the process logger. */
export interface LoggerOptions {
  level: string;
  /** JSON lines in production, readable lines otherwise. */
  json: boolean;
  /** Drops everything (tests). */
  silent?: boolean;
  /** ANSI colours in readable lines; default: only when stdout is a terminal, never in a file or a pipe. */
  color?: boolean;
}

/** Creates the one winston logger that is injected everywhere; metadata stays structured, never interpolated. */
export function createLogger(options: LoggerOptions): winston.Logger {
  const color = options.color ?? process.stdout.isTTY === true;
  const format = options.json
    ? winston.format.combine(
        winston.format.timestamp(),
        winston.format.errors({ stack: true }),
        winston.format.json(),
      )
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.errors({ stack: true }),
        ...(color ? [winston.format.colorize()] : []),
        winston.format.printf(({ timestamp, level, message, stack, ...meta }) => {
          const extra = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}${stack ? `\n${String(stack)}` : ''}`;
        }),
      );
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format,
    transports: [new winston.transports.Console()],
  });
}

/** What node-cron says when a tick comes while the last run still goes, or comes late: expected under load. */
function cronNoticeKind(message: string): 'overlap' | 'missed' | null {
  if (message.includes('overlap')) return 'overlap';
  if (message.includes('missed execution')) return 'missed';
  return null;
}

/**
 * Sends node-cron's own messages (process-wide) through `logger` instead of its coloured console lines. A skipped
 * or late tick is logged once at warn, with what it means; its repeats go to debug, since the jobs catch up on the
 * next tick and a busy server would otherwise print one every second.
 */
export function routeCronLogs(logger: winston.Logger): void {
  const warned = new Set<string>();
  const text = (value: unknown) => (value instanceof Error ? value.message : String(value));
  setCronLogger({
    info: (message) => logger.debug('cron', { detail: message }),
    debug: (message) => logger.debug('cron', { detail: text(message) }),
    warn: (message) => {
      const kind = cronNoticeKind(message);
      if (kind && warned.has(kind)) return logger.debug('cron', { detail: message });
      if (kind) warned.add(kind);
      const note = kind
        ? 'a job tick was skipped or late: the server is busy; the job catches up on its next tick (repeats at debug)'
        : 'cron';
      logger.warn(note, { detail: message });
    },
    error: (message, error) => logger.error('cron', { detail: text(message), error: error && text(error) }),
  });
}
