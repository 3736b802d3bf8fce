import cliProgress from 'cli-progress';
import type { SimulationProgress } from './index';

/**
 * Shows a run's progress on stderr: one cli-progress bar per phase on a terminal (nothing when piped, where
 * cli-progress stays quiet), plus one plain line as each phase begins so logs stay readable.
 */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private phase: SimulationProgress['phase'] | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(progress: SimulationProgress): void {
    if (progress.phase !== this.phase) this.begin(progress);
    if (progress.phase === 'register') this.bar?.update(progress.done);
    else if (progress.phase === 'wait')
      this.bar?.update(0, { left: `${Math.ceil(progress.msLeft / 1000)} s` });
    else this.bar?.update(progress.done, { sold: progress.sold });
  }

  /** One line between the bar's redraws (on a terminal the bar's line is cleared first). */
  note(text: string): void {
    this.stream.write(`${this.bar && this.stream.isTTY ? '\r\x1b[K' : ''}${text}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.phase = null;
  }

  private begin(progress: SimulationProgress): void {
    this.stop();
    this.phase = progress.phase;
    const format =
      progress.phase === 'register'
        ? 'Registering buyers {bar} {value}/{total}'
        : progress.phase === 'wait'
          ? 'Waiting for the start on the server clock: {left}'
          : 'Buying {bar} {value}/{total} answers · {sold} units sold';
    const heading =
      progress.phase === 'register'
        ? `Registering ${progress.total} buyers…`
        : progress.phase === 'wait'
          ? `Waiting for the start (${Math.ceil(progress.msLeft / 1000)} s)…`
          : `The crowd is buying (${progress.total} buyers)…`;
    this.stream.write(`${heading}\n`);
    this.bar = new cliProgress.SingleBar(
      { format, stream: this.stream, hideCursor: true, clearOnComplete: false, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    const total = progress.phase === 'wait' ? 1 : progress.total;
    this.bar.start(total, 0, { left: '', sold: 0 });
  }
}
