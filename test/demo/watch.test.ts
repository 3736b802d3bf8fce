import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { TestApp } from '@flash-sale/harness/app';

const ROOT = path.resolve(__dirname, '../..');

/** `npm run watch`'s script, spawned as npm would run it (node + tsx), its lines collected as they come. */
function startWatch(url: string, saleId: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/watch.ts', '--url', url, '--sale', saleId],
    {
      cwd: ROOT,
    },
  ) as ChildProcessWithoutNullStreams;
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  exited.finally(() => clearTimeout(killer));
  const waitFor = async (predicate: (line: string) => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (lines.some(predicate)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no such line within ${ms} ms; got:\n${lines.join('\n')}`);
  };
  return { child, lines, exited, waitFor };
}

describe('npm run watch', function () {
  this.timeout(40_000);
  let app: TestApp;
  before(async () => {
    app = await TestApp.start();
  });
  after(async () => {
    await app?.stop();
  });

  it('prints the updates of a short rush on one line each and exits cleanly on SIGINT', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const sale = await app.createSale(admin, { units: 20 });
    const watch = startWatch(app.baseUrl, sale.id);
    await watch.waitFor((line) => line.startsWith(`subscribed to ${sale.id}`), 15_000);

    const buyers = await app.createUsers(25);
    const answers = await Promise.all(buyers.map((buyer) => app.buy(buyer, sale.id)));
    expect(answers.filter((a) => a.status === 201)).to.have.length(20);
    await watch.waitFor((line) => /remaining 0\/20\s+sold 20\s+sold_out/.test(line), 5000);

    const updates = watch.lines.filter((line) => line.includes(' remaining '));
    expect(updates.length).to.be.at.least(1);
    // One update per line, in version order, stock never rising within the round.
    const versions = updates.map((line) => Number(/ v(\d+)$/.exec(line)?.[1]));
    const remaining = updates.map((line) => Number(/remaining (\d+)\//.exec(line)?.[1]));
    expect(versions).to.deep.equal([...versions].sort((a, b) => a - b));
    expect(remaining).to.deep.equal([...remaining].sort((a, b) => b - a));
    expect(
      updates.every((line) =>
        /^\d\d:\d\d:\d\d\.\d{3} {2}round 1 {2}remaining \d+\/20 {2}sold \d+ {2}\w+ {2}v\d+$/.test(line),
      ),
    ).to.equal(true);

    watch.child.kill('SIGINT');
    expect(await watch.exited).to.equal(0);
  });

  it('exits non-zero when the sale does not exist', async () => {
    const watch = startWatch(app.baseUrl, '0123456789abcdef01234567');
    expect(await watch.exited).to.equal(1);
    expect(watch.lines.join('\n')).to.contain('NOT_FOUND');
  });
});
