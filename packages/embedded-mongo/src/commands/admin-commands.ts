import os from 'node:os';
import type { Doc } from '../engine/types';
import { mongoError } from '../errors';
import { MAX_BSON_BYTES } from '../wire/protocol';
import type { CommandHandler, RequestContext } from './context';
import { SET_NAME } from './handshake';
import { sessionKey } from '../txn/session';

const VERSION = '7.0.0';

export const ping: CommandHandler = () => ({ ok: 1 });

export const buildInfo: CommandHandler = () => ({
  version: VERSION,
  gitVersion: 'embedded',
  versionArray: [7, 0, 0, 0],
  modules: [],
  allocator: 'system',
  javascriptEngine: 'none',
  storageEngines: ['inMemory'],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_BYTES,
  ok: 1,
});

/** Server parameters that can be read, and the ones setParameter may change. */
function parameters(ctx: RequestContext): Doc {
  return {
    featureCompatibilityVersion: { version: '7.0' },
    transactionLifetimeLimitSeconds: ctx.server.sessions.txnLifetimeMs / 1000,
    cursorTimeoutMillis: 600_000,
    ttlMonitorEnabled: ctx.server.ttl.enabled,
    ttlMonitorSleepSecs: ctx.server.ttl.sleepSecs,
  };
}

/** Fields of a getParameter / setParameter command that are not parameter names. */
function isParameterName(name: string, command: string): boolean {
  return name !== command && !name.startsWith('$') && name !== 'lsid' && name !== 'comment';
}

export const getParameter: CommandHandler = (cmd, ctx) => {
  requireAdmin('getParameter', ctx);
  const all = parameters(ctx);
  if (cmd.getParameter === '*' || (typeof cmd.getParameter === 'object' && cmd.getParameter?.allParameters)) {
    return { ...all, ok: 1 };
  }
  const reply: Doc = {};
  for (const name of Object.keys(cmd)) {
    if (!isParameterName(name, 'getParameter')) continue;
    if (!(name in all)) throw mongoError('InvalidOptions', `no option found to get: ${name}`);
    reply[name] = all[name];
  }
  if (Object.keys(reply).length === 0) throw mongoError('InvalidOptions', 'no option found to get');
  return { ...reply, ok: 1 };
};

/** A parameter setParameter may change: checks a value (BadValue when wrong), then applies it. */
interface Settable {
  check(value: unknown): void;
  apply(value: unknown, ctx: RequestContext): void;
}

const INT32_MAX = 2 ** 31 - 1;

function secondsAtLeastOne(name: string, integer: boolean): (value: unknown) => void {
  return (value) => {
    const n = typeof value === 'number' ? value : Number.NaN;
    if (!Number.isFinite(n) || n < 1 || (integer && (!Number.isInteger(n) || n > INT32_MAX)))
      throw mongoError('BadValue', `${name} must be ${integer ? 'a 32-bit integer ' : ''}at least 1`);
  };
}

/**
 * `transactionLifetimeLimitSeconds` (tests use it to hit the lifetime limit quickly), `ttlMonitorSleepSecs` and
 * `ttlMonitorEnabled`.
 */
const SETTABLE: Record<string, Settable> = {
  transactionLifetimeLimitSeconds: {
    check: secondsAtLeastOne('transactionLifetimeLimitSeconds', false),
    apply: (value, ctx) => {
      ctx.server.sessions.txnLifetimeMs = Number(value) * 1000;
    },
  },
  ttlMonitorSleepSecs: {
    check: secondsAtLeastOne('ttlMonitorSleepSecs', true),
    apply: (value, ctx) => {
      ctx.server.ttl.sleepSecs = Number(value);
    },
  },
  ttlMonitorEnabled: {
    check: (value) => {
      if (typeof value !== 'boolean') throw mongoError('BadValue', 'ttlMonitorEnabled must be a boolean');
    },
    apply: (value, ctx) => {
      ctx.server.ttl.enabled = value === true;
    },
  },
};

/** Changes the parameters of SETTABLE; replies with the first one's old value as `was`. All or nothing. */
export const setParameter: CommandHandler = (cmd, ctx) => {
  requireAdmin('setParameter', ctx);
  const names = Object.keys(cmd).filter((name) => isParameterName(name, 'setParameter'));
  if (names.length === 0)
    throw mongoError('InvalidOptions', 'no option found to set, use help:true to see options');
  for (const name of names) {
    const settable = Object.hasOwn(SETTABLE, name) ? SETTABLE[name] : undefined;
    if (!settable) throw mongoError('InvalidOptions', `attempted to set unrecognized parameter [${name}]`);
    settable.check(cmd[name]);
  }
  const was = parameters(ctx)[names[0]!];
  for (const name of names) SETTABLE[name]!.apply(cmd[name], ctx);
  return { was, ok: 1 };
};

export const serverStatus: CommandHandler = (_cmd, ctx) => {
  const { info, engine, sessions, cursors, commandCounters, ttl } = ctx.server;
  const uptimeMillis = Date.now() - info.startedAt.getTime();
  const mem = process.memoryUsage();
  return {
    host: info.address,
    version: VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis,
    uptimeEstimate: Math.floor(uptimeMillis / 1000),
    localTime: new Date(),
    connections: {
      current: info.connections.current,
      available: 1_000_000,
      totalCreated: info.connections.totalCreated,
    },
    mem: {
      bits: 64,
      resident: Math.round(mem.rss / 2 ** 20),
      virtual: Math.round(mem.rss / 2 ** 20),
      supported: true,
    },
    repl: {
      setName: SET_NAME,
      isWritablePrimary: true,
      hosts: [info.address],
      primary: info.address,
      me: info.address,
    },
    logicalSessionRecordCache: { activeSessionsCount: sessions.size },
    metrics: {
      cursor: { open: { total: cursors.size } },
      commands: commandCounters.toDoc(),
      ttl: { ...ttl.metrics },
    },
    storageEngine: { name: 'inMemory', memoryUsageBytes: engine.memoryUsage() },
    ok: 1,
  };
};

export const connectionStatus: CommandHandler = (cmd) => ({
  authInfo: {
    authenticatedUsers: [],
    authenticatedUserRoles: [],
    ...(cmd.showPrivileges ? { authenticatedUserPrivileges: [] } : {}),
  },
  ok: 1,
});

export const whatsmyuri: CommandHandler = (_cmd, ctx) => ({ you: ctx.conn.remote, ok: 1 });

const STARTUP_WARNING =
  'This is an embedded in-memory MongoDB-compatible server: not for production, nothing is durable';

export const getLog: CommandHandler = (cmd, ctx) => {
  requireAdmin('getLog', ctx);
  switch (cmd.getLog) {
    case '*':
      return { names: ['global', 'startupWarnings'], ok: 1 };
    case 'global':
      return { totalLinesWritten: ctx.server.info.recentLog.length, log: ctx.server.info.recentLog, ok: 1 };
    case 'startupWarnings':
      return { totalLinesWritten: 1, log: [STARTUP_WARNING], ok: 1 };
    default:
      throw mongoError('InvalidOptions', `no RamLog named: ${String(cmd.getLog)}`);
  }
};

/** Asked by mongosh and Compass on connect. */
export const getCmdLineOpts: CommandHandler = (_cmd, ctx) => {
  requireAdmin('getCmdLineOpts', ctx);
  return { argv: ['embedded-mongo'], parsed: {}, ok: 1 };
};

export const hostInfo: CommandHandler = () => ({
  system: {
    currentTime: new Date(),
    hostname: os.hostname(),
    cpuAddrSize: 64,
    memSizeMB: Math.round(os.totalmem() / 2 ** 20),
    numCores: os.cpus().length,
    cpuArch: os.arch(),
    numaEnabled: false,
  },
  os: { type: os.type(), name: os.platform(), version: os.release() },
  extra: {},
  ok: 1,
});

/** Sent by drivers on close with moreToCome (no reply goes out): aborts transactions and kills cursors. */
export const endSessions: CommandHandler = (cmd, ctx) => {
  const lsids: unknown[] = Array.isArray(cmd.endSessions) ? cmd.endSessions : [];
  const keys = new Set(lsids.map((lsid) => sessionKey(lsid)).filter((k): k is string => k !== undefined));
  ctx.server.cursors.killSessions(keys);
  ctx.server.sessions.end(lsids);
  return { ok: 1 };
};

/** Aborts every transaction, forgets every session and kills their cursors (test runners call it). */
export const killAllSessions: CommandHandler = (_cmd, ctx) => {
  ctx.server.cursors.killSessions(ctx.server.sessions.keys());
  ctx.server.sessions.endAll();
  return { ok: 1 };
};

function requireAdmin(name: string, ctx: RequestContext): void {
  if (ctx.db !== 'admin')
    throw mongoError('Unauthorized', `${name} may only be run against the admin database.`);
}
