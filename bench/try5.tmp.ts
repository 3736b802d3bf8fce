import { newJwtSecret, startAppServer } from './lib/app-server';
import { mintCallers, openDb } from './lib/fixtures';
import { pinSelf, startDatabaseProcess } from './lib/processes';
import { measureSoldOut } from './rows/purchase';
import { measureLeaderboard } from './rows/leaderboard';
import { formatProfile, summarizeProfile } from './lib/profile-summary';
import { readdirSync, rmSync, statSync } from 'node:fs';

async function main() {
  const placement = { server: 0, database: 1, load: 1 };
  pinSelf(1);
  const dir = '/tmp/prof/x'; rmSync(dir, { recursive: true, force: true });
  const dbp = await startDatabaseProcess({ cpu: placement.database });
  const uri = dbp.uri.replace(/\/$/, '') + '/bench';
  const jwtSecret = newJwtSecret();
  const app = await startAppServer({ mongodbUri: uri, jwtSecret, cpu: placement.server, nodeArgs: process.env.NOPROF ? [] : ['--cpu-prof', '--cpu-prof-dir', dir] });
  const db = await openDb(uri);
  const ctx = { mongodbUri: uri, jwtSecret, app, admin: mintCallers(jwtSecret, 1, 'admin')[0], db: db.db, placement, durationSec: 4, connections: 50, log: console.log };
  for (let k = 0; k < 2; k++) {
    if (process.env.ROW === 'lb') { const r = await measureLeaderboard(ctx, 10000); console.log('lb', r.repeated.rps, r.fresh.rps); }
    else { const s = await measureSoldOut(ctx); console.log('soldout', s.load.rps, s.load.statuses); }
  }
  await db.close(); await app.process.stop(); await dbp.process.stop();
  if (!process.env.NOPROF) { const f = readdirSync(dir).map((x) => dir + '/' + x).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  console.log(formatProfile('app', summarizeProfile(f, 50)).join('\n')); }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
