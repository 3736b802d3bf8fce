import type { Socket } from 'node:net';
import type { Doc } from '../engine/types';
import { mongoError } from '../errors';
import { encodeReply, parseMessage, type Request } from './messages';
import { HEADER_BYTES, MAX_MESSAGE_BYTES, ProtocolError } from './protocol';

/** Runs one request; a promise when the command has to wait (an awaitData getMore, a locked document). */
export type RequestHandler = (request: Request, conn: Connection) => Doc | Promise<Doc>;

/** Messages read ahead while one is running; past this the socket is paused (a client cannot flood memory). */
const MAX_QUEUED = 32;
/** Reply bytes waiting to be sent past which no further request runs until the client reads. */
const MAX_UNSENT_BYTES = 64 * 1024 * 1024;

/**
 * One client socket: splits the byte stream into messages, runs them strictly one after another (a driver
 * connection never pipelines, but w:0 writes arrive back to back), and writes each reply. Different connections
 * run concurrently: a handler that returns a promise holds only its own connection.
 */
export class Connection {
  closed = false;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private queue: Buffer[] = [];
  private running = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly log: (line: string) => void,
    private readonly onClose: (conn: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // 'close' follows; a reset by the peer is not worth a log line
    socket.on('close', () => {
      this.closed = true;
      this.queue.length = 0;
      this.onClose(this);
    });
  }

  /** `address:port` of the client, for whatsmyuri and logs. */
  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
  }

  /**
   * Closes the socket at once; queued and running requests get no reply. `reset` sends a TCP reset instead of
   * an orderly close (FIN), as a network failure or a killed process would. Server-initiated drops use it: the
   * driver (7.x) only notices a FIN at the socket's 'close' event, some event-loop turns later, and a heartbeat
   * that starts in between writes to the already-destroyed socket and waits forever for a 'drain' (every later
   * operation then fails server selection). A reset reaches the driver as a socket error in the same turn.
   */
  close(reason?: string, opts: { reset?: boolean } = {}): void {
    if (this.closed) return;
    if (reason) this.log(`connection ${this.id} from ${this.remote} closed: ${reason}`);
    this.closed = true;
    if (opts.reset) this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length < HEADER_BYTES + 4 || length > MAX_MESSAGE_BYTES) {
        return this.close(`message length ${length} is outside ${HEADER_BYTES + 4}..${MAX_MESSAGE_BYTES}`);
      }
      if (this.buffered < length) break;
      this.queue.push(this.take(length));
    }
    if (this.queue.length >= MAX_QUEUED) this.socket.pause();
    if (!this.running) this.drain();
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32LE(0);
    return Buffer.concat(this.chunks, 4).readInt32LE(0);
  }

  /** Removes the next `length` bytes from the buffered chunks, copying only when a message spans chunks. */
  private take(length: number): Buffer {
    this.buffered -= length;
    const first = this.chunks[0];
    if (first.length > length) {
      this.chunks[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    if (first.length === length) return this.chunks.shift()!;
    const whole = Buffer.concat(this.chunks, this.buffered + length);
    this.chunks = this.buffered > 0 ? [whole.subarray(length)] : [];
    return whole.subarray(0, length);
  }

  /** Runs queued messages in order; stops at one that must wait and resumes when it settles. */
  private drain(): void {
    while (this.queue.length > 0 && !this.closed) {
      if (this.socket.writableLength > MAX_UNSENT_BYTES) {
        // The client is not reading its replies: stop producing more until it does.
        this.running = true;
        this.socket.once('drain', () => {
          this.running = false;
          this.drain();
        });
        return;
      }
      let request: Request;
      try {
        request = parseMessage(this.queue.shift()!);
      } catch (err) {
        return this.close(err instanceof ProtocolError ? err.message : String(err));
      }
      let reply: Doc | Promise<Doc>;
      try {
        reply = this.handler(request, this);
      } catch (err) {
        return this.close(`handler failed: ${(err as Error)?.stack ?? err}`);
      }
      if (reply instanceof Promise) {
        this.running = true;
        reply.then(
          (doc) => this.settle(request, doc),
          (err) => this.close(`handler failed: ${(err as Error)?.stack ?? err}`),
        );
        return;
      }
      this.send(request, reply);
    }
    if (this.queue.length < MAX_QUEUED && this.socket.isPaused()) this.socket.resume();
  }

  private settle(request: Request, reply: Doc): void {
    this.running = false;
    this.send(request, reply);
    this.drain();
  }

  private send(request: Request, reply: Doc): void {
    // A request with moreToCome must never be answered: the driver ignores responseTo and would read the
    // stray reply as the answer to its next command.
    if (request.moreToCome || this.closed) return;
    let frame: Buffer;
    try {
      frame = encodeReply(request, reply);
    } catch (err) {
      // Typically a reply over the BSON size limit: answer with an error rather than drop the connection.
      const message = `cannot encode the reply: ${(err as Error).message}`;
      frame = encodeReply(request, mongoError('BSONObjectTooLarge', message).toReply());
    }
    this.socket.write(frame);
  }
}
