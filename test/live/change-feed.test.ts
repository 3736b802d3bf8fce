import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { MongoServerError, type Collection, type Document } from 'mongodb';
import { SalesChangeFeed, salesChangePipeline, type SaleChange } from '../../server/live/change-feed';
import { eventually, silentLogger } from './harness';

type Step = { change: Document } | { error: Error } | 'idle';

/** A scripted stand-in for the driver's ChangeStream, as the feed uses it. */
class FakeStream extends EventEmitter {
  resumeToken: Document | undefined;
  closed = false;
  private wakeUp: (() => void) | null = null;

  constructor(private readonly steps: Step[]) {
    super();
  }

  async tryNext(): Promise<Document | null> {
    if (this.closed) throw new Error('ChangeStream is closed');
    const step = this.steps.shift();
    if (step === undefined) {
      // Nothing scripted: behave like an idle stream until closed.
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
      throw new Error('ChangeStream is closed');
    }
    if (step === 'idle') return null;
    if ('error' in step) throw step.error;
    this.resumeToken = step.change._id;
    return step.change;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
  }
}

/** A collection whose `watch` hands out the scripted streams in order and records the options. */
function fakeCollection(scripts: Step[][]) {
  const opened: Array<{ pipeline: Document[]; options: Document; stream: FakeStream }> = [];
  const collection = {
    watch(pipeline: Document[], options: Document) {
      const stream = new FakeStream(scripts.shift() ?? []);
      opened.push({ pipeline, options, stream });
      return stream;
    },
  } as unknown as Collection;
  return { collection, opened };
}

function update(seq: number, saleId = 's1'): { change: Document } {
  return {
    change: {
      _id: { _data: `t${seq}` },
      operationType: 'update',
      documentKey: { _id: saleId },
      updateDescription: { updatedFields: { remaining: 10 - seq, version: seq } },
    },
  };
}

const serverError = (code: number) => new MongoServerError({ code, errmsg: `error ${code}`, ok: 0 });

describe('live SalesChangeFeed', () => {
  let feed: SalesChangeFeed | undefined;
  afterEach(async () => feed?.close());

  function startFeed(scripts: Step[][]) {
    const { collection, opened } = fakeCollection(scripts);
    const changes: SaleChange[] = [];
    let rebuilds = 0;
    feed = new SalesChangeFeed({
      collection,
      logger: silentLogger,
      onChange: async (c) => {
        changes.push(c);
      },
      onHistoryLost: async () => {
        rebuilds += 1;
      },
    });
    return { opened, changes, rebuilds: () => rebuilds, started: feed.start() };
  }

  it('watches only visible changes; keeps the changed fields of an update, the live fields of a document', () => {
    const [match, project] = salesChangePipeline();
    expect(match.$match.$or[0]).to.deep.equal({ operationType: { $in: ['insert', 'replace'] } });
    expect(match.$match.$or[1].$or.map((c: Document) => Object.keys(c)[0])).to.deep.equal(
      ['round', 'units', 'remaining', 'sold', 'startsAt', 'version'].map(
        (f) => `updateDescription.updatedFields.${f}`,
      ),
    );
    expect(project.$project).to.include({
      'fullDocument.remaining': 1,
      'updateDescription.updatedFields': 1,
    });
    // A whole sale document (its maps, its outbox) never travels with an insert or a replace.
    expect(
      Object.keys(project.$project)
        .filter((k) => k.startsWith('fullDocument'))
        .sort(),
    ).to.deep.equal(
      ['round', 'units', 'remaining', 'sold', 'startsAt', 'version'].map((f) => `fullDocument.${f}`).sort(),
    );
  });

  it('hands the changes over in stream order', async () => {
    const { changes, started } = startFeed([['idle', update(1), update(2), update(3, 's2')]]);
    await started;
    expect(await eventually(() => changes.length === 3)).to.equal(true);
    expect(changes.map((c) => `${c.saleId}:${c.updatedFields?.version}`)).to.deep.equal([
      's1:1',
      's1:2',
      's2:3',
    ]);
    expect(changes[0]).to.deep.include({
      operationType: 'update',
      updatedFields: { remaining: 9, version: 1 },
    });
  });

  it('reopens after the last token seen when the stream fails', async () => {
    const { opened, changes, rebuilds, started } = startFeed([
      [update(1), update(2), { error: serverError(11601) }],
      [update(3)],
    ]);
    await started;
    expect(await eventually(() => changes.length === 3)).to.equal(true);
    expect(opened).to.have.length(2);
    expect(opened[0].options.resumeAfter).to.equal(undefined);
    expect(opened[1].options.resumeAfter).to.deep.equal({ _data: 't2' });
    expect(rebuilds()).to.equal(0);
  });

  for (const [name, step] of [
    ['ChangeStreamHistoryLost', { error: serverError(286) }],
    ['an invalidate event', { change: { _id: { _data: 'inv' }, operationType: 'invalidate' } }],
  ] as const) {
    it(`reopens from now and asks for a rebuild after ${name}`, async () => {
      const { opened, rebuilds, started } = startFeed([[update(1), step], ['idle']]);
      await started;
      expect(await eventually(() => rebuilds() === 1)).to.equal(true);
      expect(opened).to.have.length(2);
      expect(opened[1].options.resumeAfter).to.equal(undefined);
    });
  }

  it('gives up on a token the server keeps refusing and starts from now', async () => {
    const refused = { error: serverError(11601) };
    const { opened, rebuilds, started } = startFeed([
      [update(1), refused],
      [refused],
      [refused],
      [refused],
      [refused],
      ['idle'],
    ]);
    await started;
    expect(await eventually(() => rebuilds() === 1, 8000)).to.equal(true);
    expect(opened.slice(1, 5).every((o) => o.options.resumeAfter?._data === 't1')).to.equal(true);
    expect(opened.at(-1)?.options.resumeAfter).to.equal(undefined);
  }).timeout(10_000);

  it('stops for good on close', async () => {
    const { opened, started } = startFeed([['idle']]);
    await started;
    await feed!.close();
    const count = opened.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(opened).to.have.length(count);
    expect(opened.every((o) => o.stream.closed)).to.equal(true);
  });
});
