import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root (every child runs from here, so `tsx` and relative paths resolve). */
export const ROOT = path.resolve(__dirname, '../../..');

/** A child process started by `startChild`. */
export interface Child {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (128 when a signal ended it) once the process is gone. */
  exited: Promise<number | null>;
  /** The last lines it printed (stdout and stderr), for error messages. */
  recent(): string[];
  /** SIGKILL, then wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

/** How to start a child. */
export interface ChildOptions {
  /** A TypeScript entry, relative to the repository root (run with node + tsx). */
  script: string;
  args?: string[];
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  env?: Record<string, string | undefined>;
  /** Pin the child to this CPU with taskset (ignored when taskset is missing). */
  cpu?: number;
  /** Each line it prints (stdout and stderr). */
  onLine?: (line: string) => void;
  label?: string;
}

let tasksetKnown: boolean | undefined;

/** True when CPUs can be pinned (Linux taskset present and at least two CPUs). */
export function canPin(): boolean {
  tasksetKnown ??= spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetKnown;
}

/** Pins this very process (the load generator) to one CPU; returns false when it cannot. */
export function pinSelf(cpu: number): boolean {
  if (!canPin()) return false;
  return spawnSync('taskset', ['-pc', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** No child outlives the process that started it, whatever way it ends. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

/** Starts `node --import tsx <script>` as a child, optionally pinned to a CPU. */
export function startChild(options: ChildOptions): Child {
  installExitHook();
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx', options.script, ...(options.args ?? [])];
  const pinned = options.cpu !== undefined && canPin();
  const command = pinned ? 'taskset' : process.execPath;
  const args = pinned ? ['-c', String(options.cpu), process.execPath, ...nodeArgs] : nodeArgs;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  // taskset execs node in place, so the pid is node's own.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      options.onLine?.(line);
    });
  }
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      children.delete(child);
      code = exitCode ?? (signal ? 128 : null);
      resolve(code);
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    recent: () => [...lines],
    kill: async () => {
      if (code === undefined) child.kill('SIGKILL');
      await exited;
    },
    stop: async (graceMs = 10_000) => {
      if (code !== undefined) return code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A free TCP port on loopback (it is released before returning; fine for a benchmark on one machine). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `url` until it answers 200; throws with the child's last lines when it exits or `timeoutMs` passes. */
export async function waitReady(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `${url}: the process exited (${exitCode}) before it was ready:\n${child.recent().join('\n')}`,
      );
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`${url}: not ready within ${timeoutMs} ms:\n${child.recent().join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A database started as its own process (the embedded server's CLI). */
export interface DatabaseProcess {
  uri: string;
  process: Child;
}

/** Starts the embedded database CLI as a child on a free port; resolves once it printed its URI. */
export async function startDatabaseProcess(
  options: { cpu?: number; timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<DatabaseProcess> {
  let resolveUri: (uri: string) => void = () => undefined;
  const uriLine = new Promise<string>((resolve) => (resolveUri = resolve));
  const db = startChild({
    script: 'packages/embedded-mongo/src/cli.ts',
    args: ['--port', String(await freePort())],
    nodeArgs: options.nodeArgs,
    cpu: options.cpu,
    onLine: (line) => {
      if (line.startsWith('mongodb://')) resolveUri(line.trim());
    },
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const uri = await Promise.race([
    uriLine,
    db.exited.then((c) => {
      throw new Error(`the database exited (${c}) at start:\n${db.recent().join('\n')}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not start in time')), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return { uri, process: db };
}
