import type { Doc } from './engine/types';

/** Picks the commands a pause stops at, by their command document (name, collection, update shape). */
export type CommandMatcher = (command: Doc) => boolean;

/** One armed pause (test-only): the database stops at the first command that matches. */
export interface Pause {
  /** Resolves with the first matching command once it has been applied; its reply is held. */
  reached: Promise<Doc>;
  /** Resolves once `count` matching commands are held: the first applied, the later ones not run at all. */
  held(count: number): Promise<void>;
  /**
   * Ends the pause: the held reply is sent; held commands run, except those whose client is gone (as if they
   * never reached the database, so a killed client leaves no write behind after the step it stopped at).
   */
  release(): void;
}

/** The client connection of a command, as far as a pause needs it. */
interface Client {
  readonly closed: boolean;
}

type Run = () => Doc | Promise<Doc>;

/** A reply the client of a closed connection never reads. */
const CLIENT_GONE: Doc = { ok: 0, errmsg: 'the client left while the command was paused', code: 1 };

class ArmedPause implements Pause {
  readonly reached: Promise<Doc>;
  private reach: (command: Doc) => void = () => undefined;
  private tripped = false;
  private readonly waiting: (() => void)[] = [];
  private readonly counters: { count: number; resolve: () => void }[] = [];

  constructor(
    readonly matches: CommandMatcher,
    private readonly disarm: (pause: ArmedPause) => void,
  ) {
    this.reached = new Promise((resolve) => (this.reach = resolve));
  }

  take(command: Doc, client: Client, run: Run): Promise<Doc> {
    if (!this.tripped) {
      this.tripped = true;
      return Promise.resolve(run()).then((reply) => {
        this.reach(command);
        return this.hold(() => reply);
      });
    }
    return this.hold(() => (client.closed ? CLIENT_GONE : run()));
  }

  held(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.counters.push({ count, resolve });
      this.count();
    });
  }

  release(): void {
    this.disarm(this);
    for (const go of this.waiting.splice(0)) go();
  }

  private hold(answer: Run): Promise<Doc> {
    const reply = new Promise<Doc>((resolve) => this.waiting.push(() => resolve(answer())));
    this.count();
    return reply;
  }

  private count(): void {
    for (const counter of [...this.counters]) {
      if (this.waiting.length < counter.count) continue;
      this.counters.splice(this.counters.indexOf(counter), 1);
      counter.resolve();
    }
  }
}

/**
 * Test-only crash points. A pause lets the first matching command run (its write is applied) and holds its reply;
 * every later matching command is held before it runs. So the database stops right after one step of a client's
 * protocol, and a test can kill the client at exactly that step. Commands that match no pause run as usual.
 */
export class PausePoints {
  private readonly armed = new Set<ArmedPause>();

  arm(matches: CommandMatcher): Pause {
    const pause = new ArmedPause(matches, (done) => this.armed.delete(done));
    this.armed.add(pause);
    return pause;
  }

  /** Runs a command, through the first armed pause it matches if any. */
  run(command: Doc, client: Client, run: Run): Doc | Promise<Doc> {
    if (this.armed.size === 0) return run();
    for (const pause of this.armed) if (pause.matches(command)) return pause.take(command, client, run);
    return run();
  }

  /** Lets every held command go (server stop). */
  releaseAll(): void {
    for (const pause of [...this.armed]) pause.release();
  }
}
