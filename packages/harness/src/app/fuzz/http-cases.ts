import fc from 'fast-check';
import {
  deepJson,
  hostileJson,
  hostileNumber,
  hostileString,
  operatorObject,
  prototypeBody,
  rawBody,
} from './values';

/** Real things the fuzzer aims at, so that requests reach past validation into the services. */
export interface Fixtures {
  /** An active sale far from selling out (first), a sold-out one, one not started yet. */
  sales: string[];
  productId: string;
  /** Tokens of real-looking callers signed with the app's key. */
  users: string[];
  admin: string;
  /** Tokens that must never pass: another key, expired, alg none, wrong claims. */
  badTokens: string[];
  /** A small pool of Idempotency-Keys, so keys get replayed. */
  keys: string[];
  /** A leaderboard cursor the server issued (for the first sale); only this exact string may page. */
  cursor: string;
}

/** One HTTP request the fuzzer sends. */
export interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The route it aims at, for the statistics. */
  route: string;
  /** Methods served at this path when the path is surely a route's (a real id or none); else null. */
  allowed: string[] | null;
}

/** Header values must be byte strings without CR, LF or NUL: keep the rest of the hostility. */
function headerSafe(value: string): string {
  return [...value].filter((ch) => ch >= ' ' && ch <= '~').join('');
}

/** Percent-encodes any string; lone surrogates (which encodeURIComponent refuses) become U+FFFD first. */
function encode(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

/** A path segment: mostly a real id, sometimes anything (percent-encoded, or raw and malformed). */
function segment(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    { weight: 2, arbitrary: hostileString.map((s) => encode(s.slice(0, 2000))) },
    { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '..', '.', '%2e%2e', 'ＡＢＣ', '0', '-1', 'null') },
  );
}

/** A query string of hostile pairs (repeated keys included). */
const query: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'round', 'status', 'limit[$gt]', '__proto__'),
        fc.string({ maxLength: 6 }),
      ),
      fc.oneof(
        hostileString.map((s) => s.slice(0, 600)),
        hostileNumber.map(String),
        fc.constantFrom('1', '100', '101', '0'),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : ''));

/** The issued cursor, as is or with junk around it (junk that base64url decoding would skip included). */
function cursorQuery(f: Fixtures): fc.Arbitrary<string> {
  return fc
    .record({
      before: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, fc.constantFrom(' ', '=', 'A', '.')),
      after: fc.oneof(
        { weight: 2, arbitrary: fc.constant('') },
        fc.constantFrom('=', '==', '!', '.', '.x', 'A', '%00', ' '),
        hostileString.map((s) => s.slice(0, 20)),
      ),
      limit: fc.constantFrom('', '&limit=1', '&limit=0'),
    })
    .map(({ before, after, limit }) => `?cursor=${encode(before + f.cursor + after)}${limit}`);
}

/** The Authorization header: none, good, bad, or not a bearer at all. */
function authorization(f: Fixtures): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.constantFrom(...f.users).map((t) => `Bearer ${t}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${f.admin}`) },
    { weight: 3, arbitrary: fc.constantFrom(...f.badTokens).map((t) => `Bearer ${t}`) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        hostileString.map((s) => `Bearer ${headerSafe(s).slice(0, 4000)}`),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic YWRtaW46YWRtaW4=',
          'bearer  x.y.z',
          `Bearer ${f.admin} extra`,
        ),
      ),
    },
  );
}

/** JSON bodies aimed at each route's fields, with hostile values in them. */
const field = fc.oneof(hostileJson, hostileString, hostileNumber, operatorObject);
const dateLike = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('2030-02-30T00:00:00Z', 'yesterday', '', '0', '9999-12-31T23:59:59.999Z'),
  // Calendar fields out of range, no offset, odd offsets: only real instants with an offset may pass.
  fc
    .record({
      y: fc.integer({ min: 1999, max: 2101 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      mi: fc.integer({ min: 0, max: 61 }),
      zone: fc.constantFrom('Z', '', '+05:30', '-12:00', '+24:00', '+01:60', 'z', ' UTC'),
    })
    .map(({ y, mo, d, h, mi, zone }) => {
      const p = (n: number) => String(n).padStart(2, '0');
      return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:00${zone}`;
    }),
  field,
);
function bodiesFor(route: string, f: Fixtures): fc.Arbitrary<unknown> {
  switch (route) {
    case 'purchase':
      return fc.oneof(
        fc.record({ quantity: fc.oneof(fc.integer({ min: 1, max: 6 }), field) }, { requiredKeys: [] }),
        fc.constant({}),
      );
    case 'register':
      return fc.record(
        {
          name: fc.oneof(fc.string({ maxLength: 30 }), field),
          email: fc.oneof(fc.emailAddress(), field),
          password: fc.oneof(fc.string({ minLength: 8, maxLength: 30 }), field),
        },
        { requiredKeys: [] },
      );
    case 'login':
      return fc.record({ email: fc.oneof(fc.emailAddress(), field), password: field }, { requiredKeys: [] });
    case 'product':
      return fc.record(
        {
          name: fc.oneof(fc.string(), field),
          price: fc.oneof(fc.nat(), field),
          currency: field,
          description: field,
        },
        { requiredKeys: [] },
      );
    case 'sale':
      return fc.record(
        {
          productId: fc.oneof(fc.constant(f.productId), field),
          price: fc.oneof(fc.nat(), field),
          units: fc.oneof(fc.integer({ min: 1, max: 1000 }), field),
          startsAt: dateLike,
          perOrderLimit: fc.oneof(fc.integer({ min: 1, max: 5 }), field),
          perUserLimit: fc.oneof(fc.integer({ min: 1, max: 5 }), field),
          restartSchedule: fc.oneof(
            fc.constantFrom('*/5 * * * *', '* * * * * * *', '61 * * * *', null),
            field,
          ),
          promoCondition: fc.oneof(fc.record({ name: fc.string(), description: fc.string() }), field),
        },
        { requiredKeys: [] },
      );
    case 'round':
      return fc.record(
        { startsAt: dateLike, units: field, force: fc.oneof(fc.boolean(), field) },
        { requiredKeys: [] },
      );
    default:
      return hostileJson;
  }
}

/** Every route of the API and a few that do not exist. */
const ROUTES: {
  route: string;
  method: FuzzRequest['method'];
  path: (id: string) => string;
  weight: number;
}[] = [
  { route: 'purchase', method: 'POST', path: (id) => `/api/sales/${id}/purchases`, weight: 10 },
  // Well-formed purchases on the active sale with pooled keys, so keys get replayed and limits reached.
  { route: 'purchase-replay', method: 'POST', path: (id) => `/api/sales/${id}/purchases`, weight: 4 },
  { route: 'leaderboard', method: 'GET', path: (id) => `/api/sales/${id}/leaderboard`, weight: 4 },
  { route: 'sale', method: 'POST', path: () => '/api/sales', weight: 3 },
  { route: 'get-sale', method: 'GET', path: (id) => `/api/sales/${id}`, weight: 3 },
  { route: 'list-sales', method: 'GET', path: () => '/api/sales', weight: 2 },
  { route: 'round', method: 'POST', path: (id) => `/api/sales/${id}/rounds`, weight: 3 },
  { route: 'product', method: 'POST', path: () => '/api/products', weight: 2 },
  { route: 'get-product', method: 'GET', path: (id) => `/api/products/${id}`, weight: 2 },
  { route: 'list-products', method: 'GET', path: () => '/api/products', weight: 1 },
  { route: 'register', method: 'POST', path: () => '/api/auth/register', weight: 1 },
  { route: 'login', method: 'POST', path: () => '/api/auth/login', weight: 1 },
  { route: 'me', method: 'GET', path: () => '/api/auth/me', weight: 2 },
  { route: 'my-purchases', method: 'GET', path: () => '/api/users/me/purchases', weight: 2 },
  { route: 'health', method: 'GET', path: () => '/readyz', weight: 1 },
  { route: 'unknown', method: 'GET', path: (id) => `/api/${id}`, weight: 1 },
];

/** The methods ROUTES serve at a path (HEAD with GET, as Express does). */
function methodsAt(path: string, id: string): string[] {
  const methods = new Set<string>(
    ROUTES.filter((r) => r.route !== 'unknown' && r.path(id) === path).map((r) => r.method),
  );
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}

/** The parts of a request before they are put together. */
interface Draft {
  r: (typeof ROUTES)[number];
  method: FuzzRequest['method'];
  id: string;
  query: string;
  auth: string | undefined;
  key: string | undefined;
  body: string | undefined;
  contentType: string;
  /** Size of an `x-pad` header (0: none), to go over the server's header limit now and then. */
  pad: number;
}

/** Requests aimed at every route, with hostile paths, queries, headers and bodies. */
export function requestArbitrary(f: Fixtures): fc.Arbitrary<FuzzRequest> {
  const ids = [...f.sales, f.productId];
  return fc
    .oneof(...ROUTES.map((r) => ({ weight: r.weight, arbitrary: fc.constant(r) })))
    .chain((r): fc.Arbitrary<Draft> =>
      fc.record({
        r: fc.constant(r),
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(r.method) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') as fc.Arbitrary<
              FuzzRequest['method']
            >,
          },
        ),
        id: segment(ids),
        query: fc.oneof(
          { weight: 3, arbitrary: fc.constant('') },
          { weight: 1, arbitrary: query },
          { weight: r.route === 'leaderboard' ? 2 : 0, arbitrary: cursorQuery(f) },
        ),
        pad: fc.oneof(
          { weight: 12, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 40_000 }) },
        ),
        auth: authorization(f),
        key: fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 3, arbitrary: fc.constantFrom(...f.keys) },
          { weight: 1, arbitrary: hostileString.map((s) => headerSafe(s).slice(0, 400)) },
        ),
        body: fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 6, arbitrary: bodiesFor(r.route, f).map((b) => JSON.stringify(b)) },
          { weight: 2, arbitrary: hostileJson.map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: rawBody },
          { weight: 1, arbitrary: deepJson },
          { weight: 1, arbitrary: prototypeBody },
        ),
        contentType: fc.oneof(
          { weight: 8, arbitrary: fc.constant('application/json') },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/json; charset=utf-16',
              'application/json; charset=bogus',
              'multipart/form-data; boundary=x',
            ),
          },
        ),
      }),
    )
    .chain((c): fc.Arbitrary<Draft> =>
      c.r.route !== 'purchase-replay'
        ? fc.constant(c)
        : fc
            .record({
              user: fc.constantFrom(...f.users),
              key: fc.constantFrom(...f.keys),
              quantity: fc.integer({ min: 1, max: 2 }),
            })
            .map(({ user, key, quantity }) => ({
              ...c,
              method: 'POST' as const,
              id: f.sales[0],
              query: '',
              auth: `Bearer ${user}`,
              key,
              body: JSON.stringify({ quantity }),
              contentType: 'application/json',
            })),
    )
    .map(({ r, method, id, query, auth, key, body, contentType, pad }) => {
      const headers: Record<string, string> = {};
      if (pad > 0) headers['x-pad'] = 'p'.repeat(pad);
      if (auth !== undefined) headers.authorization = auth;
      if (key !== undefined) headers['idempotency-key'] = key;
      const sendsBody = body !== undefined && method !== 'GET';
      if (sendsBody) headers['content-type'] = contentType;
      return {
        method,
        path: `${r.path(id)}${query}`,
        headers,
        body: sendsBody ? body : undefined,
        route: r.route,
        allowed: r.route === 'unknown' || !ids.includes(id) ? null : methodsAt(r.path(id), id),
      };
    });
}
