import { expect } from 'chai';
import { TestApp } from '@flash-sale/harness/app';
import { connectClient, subscribe, type LiveClient } from './harness';

describe('Socket.IO and page transport limits', () => {
  let app: TestApp;
  const clients: LiveClient[] = [];

  before(async () => {
    app = await TestApp.start();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await app.stop();
  });

  it('closes a connection that sends a message over 16 kB, and keeps serving others', async () => {
    const big = await connectClient(app.baseUrl);
    const small = await connectClient(app.baseUrl);
    clients.push(big, small);
    const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    big.emit('sale:subscribe', 'x'.repeat(64 * 1024), () => undefined);
    expect(await closed).to.be.a('string');
    const ack = await subscribe(small, 'not-an-id');
    expect(ack.ok).to.equal(false);
  });

  it('grants no cross-origin access to REST or to the Socket.IO polling handshake', async () => {
    const origin = { origin: 'http://elsewhere.example' };
    const rest = await fetch(`${app.baseUrl}/api/sales`, { headers: origin });
    expect(rest.status).to.equal(200);
    expect(rest.headers.get('access-control-allow-origin')).to.equal(null);
    const handshake = await fetch(`${app.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: origin });
    expect(handshake.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('sends a CSP without upgrade-insecure-requests, so plain-HTTP deployments keep their assets', async () => {
    const res = await fetch(`${app.baseUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("default-src 'self'");
    expect(csp).to.not.include('upgrade-insecure-requests');
  });
});
