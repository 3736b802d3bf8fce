/**
 * The floor of the purchase path: the least a purchase can cost with this driver and database. An Express 5 app
 * that verifies the bearer token (HS256 with a KeyObject, the app's token service), then does ONE
 * findOneAndUpdate of a counter and ONE insertOne, on the same database as the server under test.
 * Env: PORT, MONGODB_URI, JWT_SECRET.
 */
import { createSecretKey } from 'node:crypto';
import express from 'express';
import { Types } from 'mongoose';
import { createTokenService } from '../../server/auth/tokens';
import { openConnection } from '../../server/db/connect';

async function main(): Promise<void> {
  const tokens = createTokenService(createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8')), 3600);
  const connection = await openConnection(process.env.MONGODB_URI ?? '', 'bench-floor');
  const db = connection.db;
  if (!db) throw new Error('no database');
  const counters = db.collection<{ _id: string; n: number }>('counters');
  const rows = db.collection('rows');
  await counters.updateOne({ _id: 'floor' }, { $setOnInsert: { n: 0 } }, { upsert: true });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  app.post('/buy', async (req, res) => {
    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      res.status(401).json({ error: { code: 'UNAUTHENTICATED' } });
      return;
    }
    const who = tokens.verify(match[1]);
    const after = await counters.findOneAndUpdate(
      { _id: 'floor' },
      { $inc: { n: 1 } },
      { returnDocument: 'after', projection: { n: 1 } },
    );
    const row = {
      _id: new Types.ObjectId(),
      userId: new Types.ObjectId(who.id),
      n: after?.n,
      at: new Date(),
    };
    await rows.insertOne(row);
    res.status(201).json({ id: row._id.toHexString(), n: row.n });
  });
  const server = app.listen(Number(process.env.PORT), '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close(() => void connection.close().then(() => process.exit(0)));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
