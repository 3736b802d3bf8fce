import type { AddressInfo } from 'node:net';
import { Types, type Connection } from 'mongoose';
import { createApp, type App } from '../../../../server/app';
import { createTokenService, type TokenService } from '../../../../server/auth/tokens';
import type { Clock } from '../../../../server/clock';
import { loadConfig, type Config } from '../../../../server/config';
import { openConnection } from '../../../../server/db/connect';
import { createLogger, routeCronLogs } from '../../../../server/logger';
import { userModel, type Role } from '../../../../server/users/user.model';
import { getTestDatabase } from '../db';

// node-cron's own messages (process-wide) go where the app's logs go in tests: nowhere unless TEST_LOGS is set.
routeCronLogs(createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS }));

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(private current = new Date('2030-01-01T12:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(date: Date | string): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A clock that runs in real time, `offsetMs` ahead of (or behind) this machine's. */
export class RunningClock extends TestClock {
  constructor(private readonly offsetMs = 0) {
    super();
  }
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** An HTTP answer, parsed. */
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** Options of a request made by a test. */
export interface RequestOptions {
  body?: unknown;
  /** Sent as is (for malformed or oversized bodies). */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** A user created directly in the database, with a token signed by the app's key. */
export interface TestUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  token: string;
}

/** Knobs of a test app. */
export interface TestAppOptions {
  /** Environment overrides, as strings (e.g. AUTH_RATE_LIMIT). */
  env?: Record<string, string>;
  clock?: TestClock;
}

/** The password of every user made by `createUser` (its hash is precomputed: bcrypt is slow on purpose). */
export const TEST_PASSWORD = 'correct horse battery';
const TEST_PASSWORD_HASH = '$2b$10$WsK6uc3c4LPCkGygjXQzm.Ug6vW8pWReGS/nIh6HyHQRPytQNCmzW';

/** The app on port 0 against a fresh database, with a controllable clock and raised rate limits. */
export class TestApp {
  private constructor(
    readonly app: App,
    readonly connection: Connection,
    readonly config: Config,
    readonly clock: TestClock,
    readonly baseUrl: string,
    readonly tokens: TokenService,
    private readonly release: () => Promise<void>,
  ) {}

  static async start(options: TestAppOptions = {}): Promise<TestApp> {
    const db = await getTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      AUTH_RATE_LIMIT: '1000000',
      PURCHASE_RATE_LIMIT: '1000000',
      ...options.env,
    });
    return TestApp.boot(db.uri, db.dbName, config, options.clock ?? new TestClock(), () => db.stop());
  }

  /**
   * Another instance of the app on this one's database, with the same configuration (so tokens work on both)
   * and its own clock (default: this one's). Stop it before this one.
   */
  async addInstance(clock: TestClock = this.clock): Promise<TestApp> {
    const { uri } = await getTestDatabase();
    return TestApp.boot(uri, this.connection.name, this.config, clock, async () => undefined);
  }

  private static async boot(
    uri: string,
    dbName: string,
    config: Config,
    clock: TestClock,
    releaseDb: () => Promise<void>,
  ): Promise<TestApp> {
    const connection = await openConnection(uri, dbName);
    const logger = createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS });
    const app = await createApp({ config, connection, logger, clock, jobs: false });
    await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
    const { port } = app.http.address() as AddressInfo;
    const tokens = createTokenService(config.jwt.key, config.jwt.expiresInSeconds);
    return new TestApp(app, connection, config, clock, `http://127.0.0.1:${port}`, tokens, async () => {
      await app.close();
      await connection.close();
      await releaseDb();
    });
  }

  /** Dependencies for calling services and jobs directly. */
  get deps() {
    return {
      connection: this.connection,
      clock: this.clock,
      logger: createLogger({ level: 'error', json: false, silent: !process.env.TEST_LOGS }),
    };
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (e.g. the demo page): `text` has it.
    }
    return { status: response.status, body: parsed as T, headers: response.headers, text };
  }

  /** Inserts a user (no bcrypt on the way) and signs a token for it. */
  async createUser(options: { name?: string; role?: Role; email?: string } = {}): Promise<TestUser> {
    const id = new Types.ObjectId();
    const name = options.name ?? `user-${id.toHexString().slice(-6)}`;
    const role = options.role ?? 'user';
    const email = options.email ?? `${id.toHexString()}@test.local`;
    await userModel(this.connection).create({ _id: id, name, email, passwordHash: TEST_PASSWORD_HASH, role });
    return {
      id: id.toHexString(),
      name,
      email,
      role,
      token: this.tokens.sign({ id: id.toHexString(), name, role }),
    };
  }

  /** Many users in one insert. */
  async createUsers(count: number): Promise<TestUser[]> {
    const docs = Array.from({ length: count }, (_, i) => {
      const id = new Types.ObjectId();
      return {
        _id: id,
        name: `buyer-${i}`,
        email: `${id.toHexString()}@test.local`,
        passwordHash: TEST_PASSWORD_HASH,
      };
    });
    await userModel(this.connection).insertMany(docs.map((doc) => ({ ...doc, role: 'user' })));
    return docs.map((doc) => ({
      id: doc._id.toHexString(),
      name: doc.name,
      email: doc.email,
      role: 'user' as const,
      token: this.tokens.sign({ id: doc._id.toHexString(), name: doc.name, role: 'user' }),
    }));
  }

  /** Creates a product and a sale through the API, as an admin. */
  async createSale(admin: TestUser, fields: Record<string, unknown> = {}): Promise<any> {
    const product = await this.request('POST', '/api/products', {
      token: admin.token,
      body: { name: 'Sneakers', price: 10_000 },
    });
    if (product.status !== 201) throw new Error(`product: ${product.status} ${product.text}`);
    const sale = await this.request('POST', '/api/sales', {
      token: admin.token,
      body: {
        productId: product.body.product.id,
        price: 4_900,
        startsAt: this.clock.now().toISOString(),
        ...fields,
      },
    });
    if (sale.status !== 201) throw new Error(`sale: ${sale.status} ${sale.text}`);
    return sale.body.sale;
  }

  buy(user: TestUser, saleId: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> {
    return this.request('POST', `/api/sales/${saleId}/purchases`, { token: user.token, body, headers });
  }

  async stop(): Promise<void> {
    await this.release();
  }
}
