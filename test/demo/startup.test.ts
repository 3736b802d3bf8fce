import { expect } from 'chai';
import { runScript } from './cli';

describe('server start', function () {
  this.timeout(30_000);

  describe('with NODE_ENV=production and no MONGODB_URI', () => {
    it('refuses with one line and exit code 1, before any database starts', async () => {
      const env = { PATH: process.env.PATH, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PORT: '0' };
      const result = await runScript('server/index.ts', [], { env });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal(
        'Invalid configuration: MONGODB_URI is required when NODE_ENV=production\n',
      );
      expect(result.stdout).to.equal('');
    });
  });
});
