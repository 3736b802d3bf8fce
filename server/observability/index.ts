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
export { UNMATCHED_ROUTE, followMatchedRoute, routeLabelOf } from './route-label';
export { compilePattern, listAppRoutes, allowedMethodsOf } from './route-table';
