import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile this reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The parts of the request path, each owning the scripts that match one of its patterns (a URL substring).
 * A sample goes to the innermost frame of its stack that belongs to a part, so work done by a library on behalf
 * of a part (the driver reading an account for `account states`) is charged to that part, and the Express frames
 * between middlewares only get what they do themselves.
 */
const PARTS: { part: string; patterns: string[] }[] = [
  { part: 'security headers (helmet)', patterns: ['/helmet/', 'server/http/security-headers'] },
  {
    part: 'request id + access log',
    patterns: ['server/observability/request-id', '/winston/', '/logform/'],
  },
  { part: 'metrics', patterns: ['server/observability/', '/prom-client/'] },
  {
    part: 'body parsing (JSON, content type)',
    patterns: ['/body-parser/', '/raw-body/', '/content-type/', '/type-is/', '/iconv-lite/'],
  },
  { part: '405 and 415 checks', patterns: ['server/http/method-not-allowed', 'server/http/json-only'] },
  {
    part: 'authentication (JWT verify)',
    patterns: ['/jsonwebtoken/', '/jws/', '/jwa/', 'server/auth/tokens', 'server/http/auth.ts'],
  },
  { part: 'account states', patterns: ['server/auth/account-states', '/dataloader/'] },
  {
    part: 'rate limits',
    patterns: [
      '/express-rate-limit/',
      '/rate-limiter-flexible/',
      'server/http/rate-limits',
      'server/http/shared-limiter',
    ],
  },
  {
    part: 'input validation (joi)',
    patterns: ['/joi/', '/@hapi/', 'server/http/validate', 'server/http/route.ts'],
  },
  { part: 'error answer', patterns: ['server/http/error-handler', 'server/errors'] },
  { part: 'leaderboard', patterns: ['server/leaderboard/'] },
  { part: 'purchase + ledger', patterns: ['server/purchases/', 'server/ledger/', 'server/sales/'] },
  {
    part: 'live stock (change stream, sockets)',
    patterns: ['server/live/', '/socket.io/dist/socket', '/socket.io-adapter/'],
  },
  { part: 'Express routing + response', patterns: ['/router/', '/express/', '/finalhandler/', '/send/'] },
];

/**
 * Libraries that work for whichever part calls them: charged to the innermost part above them in the stack (the
 * driver encoding a command, bson making an id for validation), and only to themselves when nothing of the app
 * is above (a reply or a change event arriving on a socket).
 */
const LIBRARIES: { part: string; patterns: string[] }[] = [
  { part: 'MongoDB driver (replies, pool)', patterns: ['/mongodb/', '/bson/', '/mongoose/'] },
];

/** What is left: Node's HTTP parser and sockets, timers, the event loop. */
const NODE = 'Node HTTP, sockets, event loop';
const GC = 'garbage collector';

function partOf(url: string, table = PARTS): string | undefined {
  for (const { part, patterns } of table) if (patterns.some((p) => url.includes(p))) return part;
  return undefined;
}

/** A profile with each node's parent, read once. */
function loadProfile(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  return { profile, byId, parent };
}

/**
 * The span of the load: from the first sample whose stack runs `marker` (a path's own route file, so its set-up
 * requests are left out too, and the process's start-up: module loading, index builds) to the last one.
 */
function markerSpanUs({ profile, byId, parent }: ReturnType<typeof loadProfile>, marker: string) {
  let t = 0;
  let fromUs = -1;
  let toUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i] ?? 0;
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      if (byId.get(id)!.callFrame.url.includes(marker)) {
        if (fromUs < 0) fromUs = t;
        toUs = t;
        break;
      }
    }
  }
  return { fromUs: Math.max(0, fromUs), toUs };
}

/** CPU time (µs) by part of the busy samples between `fromUs` and `toUs`, each charged to `ownerOf` its node. */
function chargeSamples(
  { profile, byId }: ReturnType<typeof loadProfile>,
  fromUs: number,
  toUs: number,
  ownerOf: (id: number) => string,
): { busyUs: number; parts: Map<string, number> } {
  const parts = new Map<string, number>();
  let t = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs || byId.get(id)!.callFrame.functionName === '(idle)') return;
    const part = ownerOf(id);
    parts.set(part, (parts.get(part) ?? 0) + dt);
    busyUs += dt;
  });
  return { busyUs, parts };
}

/**
 * CPU time by part over the samples from the first one whose stack runs `marker` (by default any route's
 * handler chain, server/http/route.ts), idle left out.
 */
export function requestParts(
  file: string,
  marker = 'server/http/route.ts',
): { busyUs: number; parts: Map<string, number> } {
  const loaded = loadProfile(file);
  const { byId, parent } = loaded;
  const { fromUs } = markerSpanUs(loaded, marker);
  const owner = new Map<number, string | undefined>();
  /** The innermost app part of a node's stack (memoised per node), or undefined when none is above it. */
  const appPartOf = (id: number): string | undefined => {
    if (owner.has(id)) return owner.get(id);
    const found =
      partOf(byId.get(id)!.callFrame.url) ?? (parent.has(id) ? appPartOf(parent.get(id)!) : undefined);
    owner.set(id, found);
    return found;
  };
  const libraryOf = (id: number): string | undefined => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const part = partOf(byId.get(at)!.callFrame.url, LIBRARIES);
      if (part) return part;
    }
    return undefined;
  };
  const ownerOf = (id: number): string =>
    byId.get(id)!.callFrame.functionName === '(garbage collector)'
      ? GC
      : (appPartOf(id) ?? libraryOf(id) ?? NODE);
  return chargeSamples(loaded, fromUs, Infinity, ownerOf);
}

/**
 * Where the server's CPU goes while it pushes to many sockets, by the library doing the work (the innermost
 * frame of each sample), not by the app part that asked for it: everything of a push is asked by live stock.
 */
const FRAME_PARTS: { part: string; test: (url: string, fn: string) => boolean }[] = [
  {
    part: 'socket writes (the writev system call: TCP on loopback)',
    test: (url, fn) => url === '' && /^(writev|writeBuffer|write\w*String)$/.test(fn),
  },
  { part: 'ws (WebSocket frames)', test: (url) => url.includes('/ws/') },
  { part: 'engine.io (per-socket packets and buffers)', test: (url) => url.includes('/engine.io') },
  { part: 'socket.io (room, broadcast, encoding)', test: (url) => url.includes('/socket.io') },
  {
    part: 'Node streams and net (JS)',
    test: (url) => /^node:(net|buffer|internal\/streams|internal\/stream_base_commons)/.test(url),
  },
  {
    part: 'MongoDB driver replies, change events, server/live',
    test: (url) => ['/mongodb/', '/bson/', 'server/live/'].some((p) => url.includes(p)),
  },
];
const FRAME_REST = 'events, ticks, timers, other';
const PURCHASE_REQUEST = 'the purchase requests themselves (HTTP, middleware, ledger)';

/**
 * CPU time by part over the span of the push (from the first broadcast, `marker`, to the last): a sample whose
 * stack runs app code outside server/live is the purchase request; the rest goes to the library of its innermost
 * frame (FRAME_PARTS), idle left out.
 */
export function frameParts(file: string, marker: string): { busyUs: number; parts: Map<string, number> } {
  const loaded = loadProfile(file);
  const { byId, parent } = loaded;
  const { fromUs, toUs } = markerSpanUs(loaded, marker);
  const inRequest = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      if (url.includes('/server/') && !url.includes('/node_modules/') && !url.includes('server/live/'))
        return true;
    }
    return false;
  };
  const ownerOf = (id: number): string => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(garbage collector)') return GC;
    if (inRequest(id)) return PURCHASE_REQUEST;
    return FRAME_PARTS.find((p) => p.test(url, functionName))?.part ?? FRAME_REST;
  };
  return chargeSamples(loaded, fromUs, toUs, ownerOf);
}
