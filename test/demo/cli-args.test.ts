import { expect } from 'chai';
import { httpUrl, parseCommandLine, type Command, type OptionSpec } from '@flash-sale/crowd';
import { runScript } from './cli';

const command = {
  name: 'tool',
  summary: 'Does a thing.',
  options: {
    url: { kind: 'text', placeholder: 'URL', help: 'the server', check: httpUrl },
    port: { kind: 'int', placeholder: 'P', help: 'a port', min: 1, max: 65_535, default: 3000 },
    spread: { kind: 'number', placeholder: 'S', help: 'seconds', min: 0, max: 60, default: 2 },
    note: { kind: 'text', placeholder: 'T', help: 'optional', optional: true },
    json: { kind: 'flag', help: 'JSON' },
  },
} satisfies Command<Record<string, OptionSpec>>;

describe('parseCommandLine', () => {
  describe('with good arguments', () => {
    it('gives typed values and defaults', () => {
      const outcome = parseCommandLine(command, ['--url', 'http://x:1', '--spread', '0.5', '--json']);
      expect(outcome).to.deep.equal({
        values: { url: 'http://x:1', port: 3000, spread: 0.5, note: undefined, json: true },
      });
    });
  });

  describe('with --help', () => {
    it('answers the usage with every option and exit code 0', () => {
      const outcome = parseCommandLine(command, ['--help', '--port', 'abc']);
      expect(outcome).to.have.property('exitCode', 0);
      const text = 'stdout' in outcome ? outcome.stdout : '';
      expect(text).to.match(/^Usage: npm run tool -- --url URL \[--port P\]/);
      for (const option of ['--url', '--port', '--spread', '--note', '--json', '--help'])
        expect(text).to.contain(option);
      expect(text).to.contain('(default 3000)');
    });
  });

  describe('with a bad argument', () => {
    const cases: [string[], string][] = [
      [['--url', 'http://x', '--port', 'abc'], '--port must be a whole number from 1 to 65535 (got "abc")'],
      [['--url', 'http://x', '--port', '1.5'], '--port must be a whole number'],
      [['--url', 'http://x', '--spread', '61'], '--spread must be a number from 0 to 60'],
      [['--url', 'ftp://x'], '--url must start with http:// or https://'],
      [['--port', '80'], '--url is required'],
      [['--url', 'http://x', '--nope'], 'unknown option --nope'],
      [['--url', 'http://x', 'stray'], 'unexpected argument "stray"'],
      [['--url'], '--url needs a value'],
      [['--url', 'http://x', '--json=yes'], '--json takes no value'],
    ];
    for (const [argv, why] of cases) {
      it(`says "${why}" on one line, for exit code 2 (${argv.join(' ')})`, () => {
        const outcome = parseCommandLine(command, argv);
        expect(outcome).to.have.property('exitCode', 2);
        const text = 'stderr' in outcome ? outcome.stderr : '';
        expect(text).to.contain(why);
        expect(text.trimEnd().split('\n')).to.have.length(1);
      });
    }
  });
});

describe('every command-line script', function () {
  this.timeout(60_000);
  const scripts: [string, string[]][] = [
    ['scripts/simulate.ts', ['--url', 'http://127.0.0.1:9', '--sale', 'x', '--buyers', 'many']],
    ['scripts/demo.ts', ['--port', 'abc']],
    ['scripts/watch.ts', ['--url', 'http://127.0.0.1:9', '--sale', 'x', '--nope']],
    ['scripts/screenshots.ts', ['--port', '1']],
    ['scripts/crash-test.ts', ['--iterations', 'lots']],
    ['scripts/fuzz.ts', ['--runs', '-1']],
  ];
  for (const [script, bad] of scripts) {
    it(`${script} answers --help with its usage, and a bad argument with one line and exit code 2`, async () => {
      const [help, wrong] = await Promise.all([runScript(script, ['--help']), runScript(script, bad)]);
      expect(help.code, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/^Usage: npm run [\w:]+/);
      expect(wrong.code).to.equal(2);
      expect(wrong.stdout).to.equal('');
      expect(wrong.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(wrong.stderr).not.to.match(/\bat .*\.ts:\d+/);
    });
  }
});
