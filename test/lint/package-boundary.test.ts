import path from 'node:path';
import { expect } from 'chai';
import { ESLint } from 'eslint';

const ROOT = path.join(__dirname, '../..');

/** The rule ids ESLint reports for `code` as if it were the file at `file` (relative to the repository root). */
async function ruleIdsFor(code: string, file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint: the embedded database package boundary', function () {
  this.timeout(60_000);

  it('refuses a relative import of the package from the app', async () => {
    const ids = await ruleIdsFor(
      "import { start } from '../../packages/embedded-mongo/src';\nexport const s = start;\n",
      'server/db/boundary-probe.ts',
    );
    expect(ids).to.include('import-x/no-relative-packages');
  });

  it('refuses a deep import past the package entry', async () => {
    const ids = await ruleIdsFor(
      "import { Engine } from '@flash-sale/embedded-mongo/src/engine';\nexport const e = Engine;\n",
      'test/helpers/boundary-probe.ts',
    );
    expect(ids).to.include('no-restricted-imports');
  });

  it('refuses an import of the app from inside the package', async () => {
    const ids = await ruleIdsFor(
      "import { loadConfig } from '../../../server/config';\nexport const c = loadConfig;\n",
      'packages/embedded-mongo/src/boundary-probe.ts',
    );
    expect(ids).to.include('import-x/no-relative-packages');
  });

  it('accepts the package entry from the app and relative imports inside the package', async () => {
    expect(
      await ruleIdsFor(
        "import { start } from '@flash-sale/embedded-mongo';\nexport const s = start;\n",
        'server/db/boundary-probe.ts',
      ),
    ).to.deep.equal([]);
    expect(
      await ruleIdsFor(
        "import { start } from '../index';\nexport const s = start;\n",
        'packages/embedded-mongo/src/engine/boundary-probe.ts',
      ),
    ).to.deep.equal([]);
  });
});
