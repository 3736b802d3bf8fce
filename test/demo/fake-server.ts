import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';

/** How the fake server misbehaves. */
export type Fault = 'all-500' | 'purchase-500' | 'oversell';

/**
 * A tiny stand-in for a broken deployment: just enough of the contract (register, sale, purchases, leaderboard)
 * for the simulator to get to the part the fault breaks.
 */
export async function startFakeServer(fault: Fault): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  const units = 5;
  let orders = 0;
  const sale = () => ({
    id: 'fake',
    product: { id: 'p', name: 'Fake' },
    price: 100,
    currency: 'USD',
    units,
    // The oversell fault answers 201 to everyone but reports the stock as if nothing happened.
    remaining: fault === 'oversell' ? units : Math.max(0, units - orders),
    sold: fault === 'oversell' ? 0 : Math.min(units, orders),
    round: 1,
    status: 'active',
    startsAt: new Date(Date.now() - 1000).toISOString(),
    perOrderLimit: 1,
    perUserLimit: 1,
    restartSchedule: null,
    promoCondition: null,
    version: 1,
    serverTime: new Date().toISOString(),
  });
  if (fault === 'all-500') {
    app.use((_req, res) => {
      res.status(500).json({ error: { code: 'INTERNAL_ERROR', message: 'boom' } });
    });
  } else {
    let users = 0;
    app.post('/api/auth/register', (req, res) => {
      users += 1;
      res.status(201).json({ user: { id: `u${users}`, name: req.body.name }, token: `t${users}` });
    });
    app.get('/api/sales/fake', (_req, res) => {
      res.json({ sale: sale() });
    });
    app.post('/api/sales/fake/purchases', (req, res) => {
      if (fault === 'purchase-500') {
        res.status(500).json({ error: { code: 'INTERNAL_ERROR', message: 'boom' } });
        return;
      }
      orders += 1;
      const user = String(req.headers.authorization).slice('Bearer t'.length);
      res.status(201).json({
        purchase: { id: `o${orders}`, saleId: 'fake', round: 1, position: orders, quantity: 1, user },
        remaining: 0,
      });
    });
    app.get('/api/sales/fake/leaderboard', (_req, res) => {
      res.json({ saleId: 'fake', round: 1, items: [], nextCursor: null });
    });
  }
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
