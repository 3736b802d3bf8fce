import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { ROOT } from './cli';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('npm run demo', function () {
  this.timeout(120_000);

  it('registers the crowd before the countdown starts, names it readably, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/demo.ts',
        '--port',
        String(port),
        '--buyers',
        '30',
        '--start-in',
        '2',
        '--spread',
        '0.5',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    let stdout = '';
    let registeredAt = 0;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const summary = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no summary within 90 s:\n${stdout}`)), 90_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!registeredAt && /30 buyers registered/.test(stdout)) registeredAt = Date.now();
        if (/Result: (PASS|FAIL)/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await summary;
      const saleId = /\?sale=([0-9a-f]{24})/.exec(stdout)?.[1];
      const base = `http://localhost:${port}`;
      const { sale } = await (await fetch(`${base}/api/sales/${saleId}`)).json();
      // Round 1 began after the crowd was ready, and the crowd bought in it.
      expect(sale.round).to.equal(1);
      expect(Date.parse(sale.startsAt)).to.be.at.least(registeredAt - 1000);
      expect(stdout).to.contain('Result: PASS');
      const board = await (await fetch(`${base}/api/sales/${saleId}/leaderboard?limit=100`)).json();
      expect(board.items.length).to.be.at.least(15);
      for (const item of board.items) expect(item.user.name).to.match(/^[A-Z][\p{L}.' -]+ \d+$/u);
    } finally {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code, stdout).to.equal(0);
    }
    expect(stdout).to.contain('Server stopped.');
  });
});
