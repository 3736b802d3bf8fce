import { expect } from 'chai';
import cron from 'node-cron';
import { createLogger, routeCronLogs } from '../../server/logger';
import { captureLogger } from './log-capture';

const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

/** The line the logger's format makes of one entry, as the console transport would write it. */
function formatted(logger: ReturnType<typeof createLogger>, level: string, message: string): string {
  const info = logger.format.transform({ level, message, [LEVEL]: level, port: 3000 }) as Record<
    symbol,
    string
  >;
  return info[MESSAGE];
}

describe('createLogger', () => {
  describe('readable lines', () => {
    it('are coloured on a terminal only', () => {
      const tty = process.stdout.isTTY;
      try {
        process.stdout.isTTY = false;
        const piped = formatted(createLogger({ level: 'info', json: false }), 'warn', 'hello');
        expect(piped).to.match(/^\d\d:\d\d:\d\d\.\d{3} warn hello \{"port":3000\}$/);
        process.stdout.isTTY = true;
        expect(formatted(createLogger({ level: 'info', json: false }), 'warn', 'hello')).to.match(ANSI);
        expect(
          formatted(createLogger({ level: 'info', json: false, color: false }), 'warn', 'hi'),
        ).not.to.match(ANSI);
      } finally {
        process.stdout.isTTY = tty;
      }
    });
  });

  describe('production', () => {
    it('writes JSON lines without colour', () => {
      const line = formatted(createLogger({ level: 'info', json: true, color: true }), 'info', 'listening');
      expect(JSON.parse(line)).to.include({ level: 'info', message: 'listening', port: 3000 });
      expect(line).not.to.match(ANSI);
    });
  });
});

describe('routeCronLogs', function () {
  this.timeout(15_000);
  after(() => {
    // The rest of the run: node-cron's messages through a quiet logger, as the app's tests have them.
    routeCronLogs(createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS }));
  });

  describe('when a job is still running at its next ticks', () => {
    it('warns once through winston, then logs the repeats at debug', async () => {
      const log = captureLogger('debug');
      routeCronLogs(log.logger);
      let runs = 0;
      // A job that outlasts three of its one-second ticks.
      const task = cron.schedule(
        '* * * * * *',
        async () => {
          runs += 1;
          await new Promise((resolve) => setTimeout(resolve, 3500));
        },
        { noOverlap: true, name: 'slow' },
      );
      try {
        for (let i = 0; i < 60 && log.entries.filter((e) => e.level === 'debug').length < 1; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await task.destroy();
      }
      expect(runs).to.equal(1);
      const warns = log.entries.filter((e) => e.level === 'warn');
      expect(warns).to.have.length(1);
      expect(String(warns[0].message)).to.contain('skipped or late');
      expect(String(warns[0].detail)).to.contain('overlap');
      expect(log.entries.filter((e) => e.level === 'debug').length).to.be.at.least(1);
    });
  });
});
