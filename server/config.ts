import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import Joi from 'joi';
import { fitsBcrypt } from './auth/passwords';

/** The validated, frozen configuration. Read once at start; passed to everything that needs it. */
export interface Config {
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly port: number;
  /** Unset: the server starts the embedded database. */
  readonly mongodbUri: string | null;
  readonly jwt: {
    /** HMAC key for HS256; a KeyObject because verifying with one is much faster than with a string. */
    readonly key: KeyObject;
    /** Token lifetime in seconds. */
    readonly expiresInSeconds: number;
    /** True when JWT_SECRET was unset and a random key was generated (tokens die with the process). */
    readonly generated: boolean;
  };
  readonly admin: { readonly email: string; readonly password: string } | null;
  readonly logLevel: string;
  /** Calls to /api/auth/* per client IP per minute. */
  readonly authRateLimit: number;
  /** Purchase calls per user per second. */
  readonly purchaseRateLimit: number;
  /** Socket.IO connections open at once per client IP. */
  readonly socketConnectionsPerIp: number;
  readonly demo: boolean;
  /** Seconds from boot to the demo sale's start (DEMO_START_DELAY_S). */
  readonly demoStartDelaySeconds: number;
  /** Express `trust proxy` setting; false unless TRUST_PROXY is set (see README.md, "Configuration"). */
  readonly trustProxy: boolean | number | string;
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
}

/** Thrown when the environment is invalid; the message is one line naming every wrong variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DURATION = /^(\d+)\s*(s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('production', 'development', 'test').default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  MONGODB_URI: Joi.string()
    .pattern(/^mongodb(\+srv)?:\/\//)
    .message('MONGODB_URI must start with mongodb:// or mongodb+srv://')
    // The embedded database is in memory and unauthenticated: a production process never runs on it.
    .when('NODE_ENV', { is: 'production', then: Joi.required() })
    .messages({ 'any.required': 'MONGODB_URI is required when NODE_ENV=production' }),
  JWT_SECRET: Joi.string()
    .min(32)
    .when('NODE_ENV', { is: 'production', then: Joi.required() })
    .messages({ 'any.required': 'JWT_SECRET is required when NODE_ENV=production' }),
  JWT_EXPIRES_IN: Joi.string()
    .pattern(DURATION)
    .message('JWT_EXPIRES_IN must be a duration such as 3600, 90s, 15m, 1h or 7d')
    .default('1h'),
  ADMIN_EMAIL: Joi.string().email({ tlds: false }).lowercase(),
  // bcrypt reads 72 bytes: a longer admin password could never log in (login refuses what bcrypt cannot read).
  ADMIN_PASSWORD: Joi.string()
    .min(8)
    .custom((value: string, helpers) => (fitsBcrypt(value) ? value : helpers.error('any.invalid')))
    .messages({ 'any.invalid': 'ADMIN_PASSWORD must be at most 72 bytes (UTF-8)' }),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly').default('info'),
  AUTH_RATE_LIMIT: Joi.number().integer().min(1).default(30),
  PURCHASE_RATE_LIMIT: Joi.number().integer().min(1).default(5),
  SOCKET_CONNECTIONS_PER_IP: Joi.number().integer().min(1).max(1_000_000).default(50),
  DEMO: Joi.boolean().truthy('true').falsy('false').sensitive(),
  TRUST_PROXY: Joi.alternatives(
    Joi.boolean().truthy('true').falsy('false').sensitive(),
    Joi.number().integer().min(0),
    Joi.string().pattern(/^[\w.:/, ]+$/),
  ).default(false),
  METRICS_TOKEN: Joi.string().min(16),
  DEMO_START_DELAY_S: Joi.number().integer().min(0).max(86400).default(60),
})
  .and('ADMIN_EMAIL', 'ADMIN_PASSWORD')
  .messages({ 'object.and': 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together' })
  .unknown(true)
  .prefs({ abortEarly: false, convert: true, errors: { wrap: { label: false } } });

interface RawEnv {
  NODE_ENV: Config['nodeEnv'];
  PORT: number;
  MONGODB_URI?: string;
  JWT_SECRET?: string;
  JWT_EXPIRES_IN: string;
  ADMIN_EMAIL?: string;
  ADMIN_PASSWORD?: string;
  LOG_LEVEL: string;
  AUTH_RATE_LIMIT: number;
  PURCHASE_RATE_LIMIT: number;
  SOCKET_CONNECTIONS_PER_IP: number;
  DEMO?: boolean;
  TRUST_PROXY: boolean | number | string;
  METRICS_TOKEN?: string;
  DEMO_START_DELAY_S: number;
}

function durationSeconds(value: string): number {
  const [, amount, unit] = DURATION.exec(value) as RegExpExecArray;
  return Number(amount) * UNIT_SECONDS[unit ?? 's'];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the environment once. Every problem is reported at once, in one line naming the variables;
 * empty strings count as unset. The result is deep-frozen.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { value, error } = schema.validate(present);
  if (error) {
    throw new ConfigError(`Invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  }
  const raw = value as RawEnv;
  const expiresInSeconds = durationSeconds(raw.JWT_EXPIRES_IN);
  if (expiresInSeconds < 1)
    throw new ConfigError('Invalid configuration: JWT_EXPIRES_IN must be at least 1s');
  const secret = raw.JWT_SECRET ? Buffer.from(raw.JWT_SECRET, 'utf8') : randomBytes(32);
  return deepFreeze<Config>({
    nodeEnv: raw.NODE_ENV,
    port: raw.PORT,
    mongodbUri: raw.MONGODB_URI ?? null,
    jwt: { key: createSecretKey(secret), expiresInSeconds, generated: !raw.JWT_SECRET },
    admin:
      raw.ADMIN_EMAIL && raw.ADMIN_PASSWORD ? { email: raw.ADMIN_EMAIL, password: raw.ADMIN_PASSWORD } : null,
    logLevel: raw.LOG_LEVEL,
    authRateLimit: raw.AUTH_RATE_LIMIT,
    purchaseRateLimit: raw.PURCHASE_RATE_LIMIT,
    socketConnectionsPerIp: raw.SOCKET_CONNECTIONS_PER_IP,
    demo: raw.DEMO ?? !raw.MONGODB_URI,
    trustProxy: raw.TRUST_PROXY,
    metricsToken: raw.METRICS_TOKEN ?? null,
    demoStartDelaySeconds: raw.DEMO_START_DELAY_S,
  });
}
