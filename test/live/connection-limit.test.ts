import { expect } from 'chai';
import { io as ioClient, type Socket } from 'socket.io-client';
import { TestApp } from '@flash-sale/harness/app';

type Outcome =
  { socket: Socket; connected: true } | { socket: Socket; connected: false; error: Error & { data?: any } };

/** Opens a connection and waits for the server's verdict: connected, or refused with connect_error. */
function open(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const socket = ioClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: headers,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, connected: true }));
    socket.once('connect_error', (error: Error & { data?: any }) =>
      resolve({ socket, connected: false, error }),
    );
  });
}

describe('Socket.IO connections per IP', () => {
  const opened: Socket[] = [];
  const track = async (outcome: Promise<Outcome>) => {
    const o = await outcome;
    opened.push(o.socket);
    return o;
  };
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.disconnect();
  });

  describe('SOCKET_CONNECTIONS_PER_IP=3', () => {
    let t: TestApp;
    let saleId: string;
    before(async () => {
      t = await TestApp.start({ env: { SOCKET_CONNECTIONS_PER_IP: '3' } });
      saleId = (await t.createSale(await t.createUser({ role: 'admin' }))).id;
    });
    after(async () => {
      await t?.stop();
    });

    it('refuses the connection over the cap with connect_error RATE_LIMITED, and no effect on the others', async () => {
      const first = await Promise.all([1, 2, 3].map(() => track(open(t.baseUrl))));
      expect(first.every((o) => o.connected)).to.equal(true);
      const over = await track(open(t.baseUrl));
      expect(over.connected).to.equal(false);
      if (over.connected) return;
      expect(over.error.data).to.include({ code: 'RATE_LIMITED' });
      expect(over.error.message).to.match(/at most 3/);
      for (const o of first) {
        expect(o.socket.connected).to.equal(true);
        const ack = await o.socket.timeout(5000).emitWithAck('sale:subscribe', saleId);
        expect(ack.ok).to.equal(true);
      }
    });

    it('frees a place when a connection ends', async () => {
      const three = await Promise.all([1, 2, 3].map(() => track(open(t.baseUrl))));
      expect(three.every((o) => o.connected)).to.equal(true);
      expect((await track(open(t.baseUrl))).connected).to.equal(false);
      three[0].socket.disconnect();
      let again: Outcome | undefined;
      // The server sees the close a moment later: a few tries, bounded.
      for (let i = 0; i < 50 && !again?.connected; i += 1) {
        again = await track(open(t.baseUrl));
        if (!again.connected) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(again?.connected).to.equal(true);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let t: TestApp;
    before(async () => {
      t = await TestApp.start({ env: { SOCKET_CONNECTIONS_PER_IP: '2', TRUST_PROXY: 'loopback' } });
    });
    after(async () => {
      await t?.stop();
    });

    it('counts each client IP of X-Forwarded-For apart, as req.ip does', async () => {
      const a = { 'x-forwarded-for': '203.0.113.7' };
      const b = { 'x-forwarded-for': '198.51.100.9' };
      const fromA = await Promise.all([1, 2, 3].map(() => track(open(t.baseUrl, a))));
      expect(fromA.filter((o) => o.connected)).to.have.length(2);
      const refused = fromA.find((o) => !o.connected);
      expect(refused && !refused.connected && refused.error.data?.code).to.equal('RATE_LIMITED');
      const fromB = await Promise.all([1, 2].map(() => track(open(t.baseUrl, b))));
      expect(fromB.every((o) => o.connected)).to.equal(true);
    });
  });
});
