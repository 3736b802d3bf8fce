import { expect } from 'chai';
import { findChromium, SYSTEM_CHROMIUM } from '@flash-sale/harness/chromium';
import fs from 'node:fs';

describe('findChromium', function () {
  this.timeout(60_000);

  describe('when CHROMIUM_PATH names a missing file', () => {
    it('fails loudly instead of skipping', async () => {
      const error = await findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).to.contain('CHROMIUM_PATH=/nonexistent/chromium');
    });
  });

  describe('without CHROMIUM_PATH', () => {
    it("prefers Debian's Chromium, else unpacks the packaged one", async () => {
      const choice = await findChromium({});
      if (fs.existsSync(SYSTEM_CHROMIUM)) {
        expect(choice).to.deep.equal({ executablePath: SYSTEM_CHROMIUM, source: 'system' });
      } else {
        expect(choice.source).to.equal('@sparticuz/chromium');
        expect(fs.statSync(choice.executablePath).mode & 0o111, 'executable').to.not.equal(0);
      }
    });
  });
});
