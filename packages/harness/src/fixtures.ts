import { createSecretKey } from 'node:crypto';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { createTokenService } from '../../../server/auth/tokens';

/** A caller with a token signed by the server's own key (no registration, no bcrypt: not what is measured). */
export interface Caller {
  id: string;
  name: string;
  token: string;
}

/**
 * Signs `count` tokens the way the server does, with the secret it was given (JWT_SECRET). The server refuses a
 * token whose account does not exist: callers of the server under test come from `createCallers`.
 */
export function mintCallers(secret: string, count: number, role: 'user' | 'admin' = 'user'): Caller[] {
  const tokens = createTokenService(createSecretKey(Buffer.from(secret, 'utf8')), 3600);
  return Array.from({ length: count }, (_, i) => {
    const id = new ObjectId().toHexString();
    const name = role === 'admin' ? `admin-${i}` : `buyer-${i}`;
    return { id, name, token: tokens.sign({ id, name, role }) };
  });
}

/**
 * Callers whose accounts exist: minted, then inserted into `users` in one write (a password hash nobody can log in
 * with, since they never log in).
 */
export async function createCallers(
  db: Db,
  secret: string,
  count: number,
  role: 'user' | 'admin' = 'user',
): Promise<Caller[]> {
  const callers = mintCallers(secret, count, role);
  const now = new Date();
  await db.collection('users').insertMany(
    callers.map((c) => ({
      _id: new ObjectId(c.id),
      name: c.name,
      email: `${c.id}@bench.local`,
      passwordHash: '!',
      role,
      createdAt: now,
      updatedAt: now,
    })),
    { ordered: false },
  );
  return callers;
}

/** A parsed JSON answer. */
export interface Reply<T = any> {
  status: number;
  body: T;
}

/** One JSON call to the API (bounded: 10 s). */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T };
}

/** Creates a product and a sale through the API (as an admin); the sale starts now unless `startsAt` is given. */
export async function createSale(
  baseUrl: string,
  adminToken: string,
  fields: Record<string, unknown> = {},
): Promise<{ id: string; round: number; units: number }> {
  const product = await api(baseUrl, 'POST', '/api/products', {
    token: adminToken,
    body: { name: 'Bench sneakers', price: 10_000 },
  });
  if (product.status !== 201) throw new Error(`product: ${product.status} ${JSON.stringify(product.body)}`);
  const sale = await api(baseUrl, 'POST', '/api/sales', {
    token: adminToken,
    body: {
      productId: product.body.product.id,
      price: 4_900,
      startsAt: new Date(Date.now() - 1000).toISOString(),
      ...fields,
    },
  });
  if (sale.status !== 201) throw new Error(`sale: ${sale.status} ${JSON.stringify(sale.body)}`);
  return sale.body.sale;
}

/** A driver client on the benchmark's database, for setup and for checking counts behind the API's back. */
export async function openDb(uri: string): Promise<{ db: Db; close(): Promise<void> }> {
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
  return { db: client.db(), close: () => client.close() };
}

/**
 * Writes `count` purchases of one round straight into `purchases` (positions 1..count), and makes the sale
 * agree (sold, remaining, orders). Building 100,000 purchases through the API would take minutes; the leaderboard
 * only reads this collection, so this is the same data it would see after a real round.
 */
export async function seedPurchases(
  db: Db,
  saleId: string,
  round: number,
  count: number,
  batch = 5000,
): Promise<void> {
  const sale = await db.collection('sales').findOne({ _id: new ObjectId(saleId) });
  if (!sale) throw new Error(`no sale ${saleId}`);
  const base = Date.now() - count;
  for (let from = 1; from <= count; from += batch) {
    const docs = [];
    for (let position = from; position < Math.min(from + batch, count + 1); position += 1) {
      docs.push({
        _id: new ObjectId(),
        saleId: sale._id,
        round,
        position,
        productId: sale.productId,
        userId: new ObjectId(),
        userName: `buyer-${position}`,
        quantity: 1,
        price: sale.price,
        currency: sale.currency,
        promo: true,
        remainingAfter: sale.units - position,
        purchasedAt: new Date(base + position),
      });
    }
    await db.collection('purchases').insertMany(docs, { ordered: false });
  }
  await db
    .collection('sales')
    .updateOne(
      { _id: sale._id },
      { $set: { sold: count, remaining: sale.units - count, orders: count }, $inc: { version: 1 } },
    );
}
