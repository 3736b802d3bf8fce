/**
 * The baseline of every ratio: a bare Express 5 app answering a small JSON POST, with the same body parser and
 * process settings as the real server. Started as a child by the benchmark; PORT is given.
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '16kb' }));
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
app.post('/echo', (req, res) => {
  res.status(201).json({ ok: true, quantity: (req.body as { quantity?: unknown }).quantity ?? 1 });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
