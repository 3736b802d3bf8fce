import { TestApp } from './test/helpers/app';
(async () => {
  const t = await TestApp.start();
  const admin = await t.createUser({ role: 'admin' });
  const users = await t.createUsers(50);
  const sale = await t.createSale(admin, { units: 1_000_000, perUserLimit: 1_000_000, perOrderLimit: 1 });
  const url = `${t.baseUrl}/api/sales/${sale.id}/purchases`;
  let i = 0;
  for (let block = 0; block < 8; block++) {
    const started = Date.now();
    let done = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (done < 2000) {
        done++;
        const u = users[i++ % users.length];
        const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${u.token}` } });
        if (r.status !== 201) throw new Error(String(r.status) + (await r.text()));
        await r.arrayBuffer().catch(() => undefined);
      }
    }));
    console.log(`block ${block}: ${Math.round(2000 / ((Date.now() - started) / 1000))}/s`);
  }
  await t.stop();
  process.exit(0);
})();
