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
      'test/api/boundary-probe.ts',
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

describe('lint: one harness (test/, bench/ and scripts/ share code only through packages/harness and packages/crowd)', function () {
  this.timeout(60_000);

  const refused = async (code: string, file: string, rule: string) =>
    expect(await ruleIdsFor(code, file), `${file}: ${code}`).to.include(rule);

  it('refuses an import of bench/ or scripts/ from test/', async () => {
    await refused(
      "import { startStack } from '../../bench/lib/stack';\nexport const s = startStack;\n",
      'test/crash/boundary-probe.ts',
      'import-x/no-restricted-paths',
    );
    await refused(
      "import { watchSale } from '../../scripts/live-watch';\nexport const w = watchSale;\n",
      'test/demo/boundary-probe.ts',
      'import-x/no-restricted-paths',
    );
  });

  it('refuses an import of test/ from scripts/ or bench/', async () => {
    await refused(
      "import { startLive } from '../test/live/harness';\nexport const l = startLive;\n",
      'scripts/boundary-probe.ts',
      'import-x/no-restricted-paths',
    );
    await refused(
      "import { startLive } from '../../test/live/harness';\nexport const l = startLive;\n",
      'bench/rows/boundary-probe.ts',
      'import-x/no-restricted-paths',
    );
  });

  it('refuses an import of test/, bench/, scripts/ or another package by path from the harness', async () => {
    for (const target of [
      '../../../test/live/harness',
      '../../../bench/lib/stack',
      '../../../scripts/live-watch',
    ]) {
      await refused(
        `import * as m from '${target}';\nexport const x = m;\n`,
        'packages/harness/src/boundary-probe.ts',
        'import-x/no-restricted-paths',
      );
    }
    for (const target of ['../../crowd/src', '../../embedded-mongo/src', '../../embedded-mongo']) {
      await refused(
        `import * as m from '${target}';\nexport const x = m;\n`,
        'packages/harness/src/boundary-probe.ts',
        'no-restricted-imports',
      );
    }
  });

  it('lets the harness import another package by its name, built or not', async () => {
    expect(
      await ruleIdsFor(
        "import { start } from '@flash-sale/embedded-mongo';\nexport const s = start;\n",
        'packages/harness/src/boundary-probe.ts',
      ),
    ).to.deep.equal([]);
  });

  it('refuses an import of the app, test/, bench/ or scripts/ from the crowd', async () => {
    for (const target of [
      '../../../server/config',
      '../../../test/live/harness',
      '../../../scripts/live-watch',
    ]) {
      await refused(
        `import * as m from '${target}';\nexport const x = m;\n`,
        'packages/crowd/src/boundary-probe.ts',
        'import-x/no-restricted-paths',
      );
    }
    await refused(
      "import * as m from '../../../../bench/lib/stack';\nexport const x = m;\n",
      'packages/crowd/src/cli/boundary-probe.ts',
      'import-x/no-restricted-paths',
    );
  });

  it('refuses a relative import of the harness or the crowd from test/, bench/ or scripts/', async () => {
    await refused(
      "import { freePort } from '../../packages/harness/src/processes';\nexport const f = freePort;\n",
      'test/api/boundary-probe.ts',
      'import-x/no-relative-packages',
    );
    await refused(
      "import { sleep } from '../packages/crowd/src';\nexport const s = sleep;\n",
      'scripts/boundary-probe.ts',
      'import-x/no-relative-packages',
    );
  });

  it('refuses a deep import past the harness or crowd entries', async () => {
    await refused(
      "import { freePort } from '@flash-sale/harness/src/processes';\nexport const f = freePort;\n",
      'bench/boundary-probe.ts',
      'no-restricted-imports',
    );
    await refused(
      "import { httpUrl } from '@flash-sale/crowd/src/cli/args';\nexport const h = httpUrl;\n",
      'scripts/boundary-probe.ts',
      'no-restricted-imports',
    );
  });

  it('still refuses an import of the ledger internals in server/ (the rule the package entries share)', async () => {
    await refused(
      "import { keyDigest } from '../ledger/key-digest';\nexport const k = keyDigest;\n",
      'server/purchases/boundary-probe.ts',
      'no-restricted-imports',
    );
  });

  it('accepts the package entries from test/, bench/ and scripts/, and the app from the harness', async () => {
    const accepted: Array<[string, string]> = [
      [
        "import { TestApp } from '@flash-sale/harness/app';\nimport { freePort } from '@flash-sale/harness';\nexport const x = [TestApp, freePort];\n",
        'test/api/boundary-probe.ts',
      ],
      [
        "import { launchChromium } from '@flash-sale/harness/chromium';\nimport { ApiClient } from '@flash-sale/crowd';\nexport const x = [launchChromium, ApiClient];\n",
        'scripts/boundary-probe.ts',
      ],
      [
        "import { startAppServer } from '@flash-sale/harness';\nimport { SalePool } from '../lib/sale-pool';\nexport const x = [startAppServer, SalePool];\n",
        'bench/test/boundary-probe.ts',
      ],
      [
        "import { loadConfig } from '../../../server/config';\nexport const c = loadConfig;\n",
        'packages/harness/src/boundary-probe.ts',
      ],
      [
        "import { sleep } from './simulator/http';\nexport const s = sleep;\n",
        'packages/crowd/src/boundary-probe.ts',
      ],
    ];
    for (const [code, file] of accepted) expect(await ruleIdsFor(code, file), file).to.deep.equal([]);
  });
});
