import winston from 'winston';

/** Options of the process logger. */
export interface LoggerOptions {
  level: string;
  /** JSON lines in production, readable lines otherwise. */
  json: boolean;
  /** Drops everything (tests). */
  silent?: boolean;
}

/** Creates the one winston logger that is injected everywhere; metadata stays structured, never interpolated. */
export function createLogger(options: LoggerOptions): winston.Logger {
  const format = options.json
    ? winston.format.combine(
        winston.format.timestamp(),
        winston.format.errors({ stack: true }),
        winston.format.json(),
      )
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.errors({ stack: true }),
        winston.format.colorize(),
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
