import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from '@flash-sale/crowd';

const ROOT = path.resolve(__dirname, '../..');

/** A server started as a child process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  /** SIGINT (the server's graceful shutdown), then SIGKILL after `graceMs`. Resolves when it is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options of `startServerProcess`. */
export interface StartOptions {
  port: number;
  /** Environment of the child, on top of this process's. Undefined values remove a variable. */
  env: Record<string, string | undefined>;
  /** Each line the server prints. */
  onLine: (line: string) => void;
  /** Longest wait for /readyz (ms). */
  readyTimeoutMs?: number;
}

/**
 * Starts `server/index.ts` (through tsx, like `npm run dev`) in its own process group, so a Ctrl-C in the terminal
 * reaches only the launcher, which then shuts the server down once and in order. Resolves once /readyz answers
 * 200; rejects with the server's last lines when it exits or does not get ready in time.
 */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(options.port) };
  for (const [key, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'index.ts')], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If this process dies without its orderly stop, the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLine(line);
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      exitCode = code ?? (signal ? 128 : null);
      resolve(exitCode);
    }),
  );
  const url = `http://localhost:${options.port}`;

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`the server exited with code ${exitCode} before it was ready:\n${recent.join('\n')}`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${options.readyTimeoutMs ?? 60_000} ms`);
    }
    await sleep(250);
  }

  return {
    url,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
