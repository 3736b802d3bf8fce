import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the live gauges read at scrape time; reading the truth then beats keeping a second count in step. */
export interface LiveGaugeSource {
  /** Open Socket.IO connections of this process. */
  sockets(): number;
  /** (socket, sale) pairs this process pushes updates to. */
  subscriptions(): number;
}

/** The outcome label of a purchase attempt: `CREATED` or the contract's error code. */
export type PurchaseOutcome = 'CREATED' | (string & {});

/** The metrics of one app instance, on a registry of its own (never prom-client's global one). */
export interface Metrics {
  readonly registry: Registry;
  /** Records one purchase attempt: its outcome code and how long it took. */
  observePurchase(outcome: PurchaseOutcome, seconds: number): void;
  /**
   * Records one change-stream event as it reaches this process. `wallTime` is when the database committed it
   * (the event's `wallTime`); the difference to now is the lag. Events without a time only count.
   */
  observeChangeEvent(operationType: string, wallTime?: Date | null): void;
  /** Records one HTTP request by route pattern (never the URL) and status. */
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void;
  /** Sets where the socket and subscription gauges read their values; until then they read 0. */
  observeLive(source: LiveGaugeSource): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Node.js and process metrics of prom-client (CPU, memory, GC, event-loop lag...). Default true. */
  defaultMetrics?: boolean;
  /** Reads the time for the change-stream lag; default `Date.now`. */
  now?: () => number;
}

/** Purchases answer in milliseconds when healthy; the top buckets show a struggling database. */
const PURCHASE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Change-stream lag: a few ms on a healthy replica set, seconds when the stream falls behind or resumes. */
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods that get a label of their own; anything else is OTHER, so a client cannot mint label values. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const KNOWN_OPERATIONS = new Set(['insert', 'update', 'replace', 'delete', 'invalidate']);
/** Outcome labels must look like contract codes; anything else would be a bug, counted as INTERNAL_ERROR. */
const OUTCOME = /^[A-Z][A-Z_]{0,39}$/;

function purchaseResult(outcome: string): 'created' | 'refused' | 'failed' {
  if (outcome === 'CREATED') return 'created';
  return outcome === 'INTERNAL_ERROR' || outcome === 'SERVICE_UNAVAILABLE' ? 'failed' : 'refused';
}

/**
 * Creates an isolated set of metrics: the flash-sale metrics, HTTP request metrics and (by default) prom-client's
 * Node.js metrics, event-loop lag included. Each call has its own registry, so tests and instances never share.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const now = options.now ?? Date.now;
  let live: LiveGaugeSource | null = null;

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const purchases = new Counter({
    name: 'flashsale_purchases_total',
    help: 'Purchase attempts by outcome: CREATED or the error code of the answer.',
    labelNames: ['code'] as const,
    registers,
  });
  const purchaseDuration = new Histogram({
    name: 'flashsale_purchase_duration_seconds',
    help: 'Time to answer a purchase attempt, by result: created, refused (4xx) or failed (5xx).',
    labelNames: ['result'] as const,
    buckets: PURCHASE_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'flashsale_sockets',
    help: 'Open Socket.IO connections of this process.',
    registers,
    collect() {
      this.set(live ? live.sockets() : 0);
    },
  });
  new Gauge({
    name: 'flashsale_subscriptions',
    help: 'Sale subscriptions (socket and sale pairs) served by this process.',
    registers,
    collect() {
      this.set(live ? live.subscriptions() : 0);
    },
  });
  const changeEvents = new Counter({
    name: 'flashsale_change_stream_events_total',
    help: 'Change-stream events received from the sales collection, by operation type.',
    labelNames: ['operation'] as const,
    registers,
  });
  const changeLag = new Histogram({
    name: 'flashsale_change_stream_lag_seconds',
    help: 'Time from the database committing a change to this process receiving its change-stream event.',
    buckets: LAG_BUCKETS,
    registers,
  });
  const httpRequests = new Counter({
    name: 'flashsale_http_requests_total',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'flashsale_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });

  return {
    registry,
    contentType: registry.contentType,
    observePurchase(outcome, seconds) {
      const code = OUTCOME.test(outcome) ? outcome : 'INTERNAL_ERROR';
      purchases.inc({ code });
      purchaseDuration.observe({ result: purchaseResult(code) }, Math.max(0, seconds));
    },
    observeChangeEvent(operationType, wallTime) {
      changeEvents.inc({ operation: KNOWN_OPERATIONS.has(operationType) ? operationType : 'other' });
      const at = wallTime instanceof Date ? wallTime.getTime() : NaN;
      // A clock a little behind the database's would give a negative lag: that is 0, not an error.
      if (Number.isFinite(at)) changeLag.observe(Math.max(0, (now() - at) / 1000));
    },
    observeHttpRequest(method, route, status, seconds) {
      const m = KNOWN_METHODS.has(method.toUpperCase()) ? method.toUpperCase() : 'OTHER';
      httpRequests.inc({ method: m, route, status: String(status) });
      httpDuration.observe({ method: m, route }, Math.max(0, seconds));
    },
    observeLive(source) {
      live = source;
    },
    render: () => registry.metrics(),
  };
}
