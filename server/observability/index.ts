export { socketIoGaugeSource } from './live-gauges';
export { createMetrics, type LiveGaugeSource, type Metrics, type MetricsOptions } from './metrics';
export {
  PURCHASE_ROUTE,
  httpMetricsMiddleware,
  metricsRouter,
  purchaseOutcomeOf,
  type MetricsRouterOptions,
} from './metrics.routes';
export { REQUEST_ID_HEADER, isSafeRequestId, requestId, requestLogger } from './request-id';
export {
  UNMATCHED_ROUTE,
  compilePattern,
  listAppRoutes,
  listMountedPrefixes,
  allowedMethodsOf,
  routePatternOf,
} from './route-table';
