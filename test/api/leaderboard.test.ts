import { expect } from 'chai';
import { TestApp, type TestUser } from '@flash-sale/harness/app';

describe('GET /api/sales/:id/leaderboard', () => {
  let t: TestApp;
  let admin: TestUser;
  let buyers: TestUser[];
  let sale: { id: string };
  before(async () => {
    t = await TestApp.start();
    admin = await t.createUser({ role: 'admin' });
    buyers = await t.createUsers(7);
    sale = await t.createSale(admin, { units: 100, perOrderLimit: 2, perUserLimit: 2 });
    for (const [i, buyer] of buyers.entries()) {
      t.clock.advance(1000);
      expect((await t.buy(buyer, sale.id, { quantity: 1 + (i % 2) })).status).to.equal(201);
    }
  });
  after(async () => {
    await t.stop();
  });

  const board = (query = '', id = sale.id) => t.request('GET', `/api/sales/${id}/leaderboard${query}`);

  it('lists the current round, oldest purchase first, publicly', async () => {
    const res = await board();
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ saleId: sale.id, round: 1, nextCursor: null });
    expect(res.body.items).to.have.length(7);
    expect(res.body.items[0]).to.deep.equal({
      position: 1,
      user: { id: buyers[0].id, name: buyers[0].name },
      quantity: 1,
      purchasedAt: res.body.items[0].purchasedAt,
    });
    expect(res.body.items.map((i: { user: { id: string } }) => i.user.id)).to.deep.equal(
      buyers.map((b) => b.id),
    );
  });

  it("tags each page with Express's ETag of its body, so a repeated page can be answered 304", async () => {
    const first = await board('?limit=3');
    const tag = first.headers.get('etag');
    expect(tag).to.match(/^W\/"[0-9a-f]+-[\w+/=-]+"$/);
    const again = await board('?limit=3');
    expect(again.headers.get('etag')).to.equal(tag);
    const other = await board('?limit=4');
    expect(other.headers.get('etag')).to.not.equal(tag);
    const res = await t.request('GET', `/api/sales/${sale.id}/leaderboard?limit=3`, {
      // fetch adds `cache-control: no-cache` to a conditional request unless one is given (and no-cache is never fresh).
      headers: { 'if-none-match': tag!, 'cache-control': 'max-age=0' },
    });
    expect(res.status).to.equal(304);
  });

  it('pages with opaque cursors until nextCursor is null', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await board(`?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.at.most(3);
      seen.push(...res.body.items.map((i: { position: number }) => i.position));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it('shows new purchases of the live round at once', async () => {
    const before = await board();
    const late = await t.createUser();
    await t.buy(late, sale.id);
    const after = await board();
    expect(after.body.items).to.have.length(before.body.items.length + 1);
    expect(after.body.items.at(-1).user.id).to.equal(late.id);
  });

  it('answers an earlier round by number, and an empty page for a round without buyers', async () => {
    await t.request('POST', `/api/sales/${sale.id}/rounds`, {
      token: admin.token,
      body: { startsAt: t.clock.now().toISOString(), force: true },
    });
    const current = await board();
    expect(current.body).to.deep.include({ round: 2, items: [], nextCursor: null });
    const first = await board('?round=1&limit=100');
    expect(first.body.round).to.equal(1);
    expect(first.body.items).to.have.length(8);
  });

  it('refuses limits outside 1..100 and wrong types', async () => {
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?limit=1.5',
      '?round=0',
      '?round=x',
      '?foo=1',
    ]) {
      const res = await board(query);
      expect(res.status, query).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    }
  });

  it('refuses cursors it did not issue: forged, garbled, of another sale, or of another round', async () => {
    const page = await board('?round=1&limit=2');
    const cursor: string = page.body.nextCursor;
    const [payload, tag] = cursor.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ r: 1, p: 0 })).toString('base64url');
    const other = await t.createSale(admin);
    const candidates = [
      'garbage',
      `${forgedPayload}.${tag}`,
      `${payload}.${tag.slice(0, -2)}AA`,
      `${payload}`,
      `${payload}.${tag}.x`,
      // Junk that base64url decoding would skip: only the exact issued string is a cursor.
      `${cursor}==`,
      `${cursor}!`,
      `${cursor}%00`,
      ` ${cursor}`,
    ];
    for (const bad of candidates) {
      const res = await board(`?cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_ERROR');
    }
    const foreign = await board(`?cursor=${encodeURIComponent(cursor)}`, other.id);
    expect(foreign.status).to.equal(400);
    const mismatch = await board(`?round=2&cursor=${encodeURIComponent(cursor)}`);
    expect(mismatch.status).to.equal(400);
    const good = await board(`?cursor=${encodeURIComponent(cursor)}`);
    expect(good.status).to.equal(200);
    expect(good.body.items[0].position).to.equal(3);
  });

  it('is 404 for unknown and malformed sale ids', async () => {
    expect((await board('', '0123456789abcdef01234567')).status).to.equal(404);
    expect((await board('', 'xyz')).status).to.equal(404);
  });
});
