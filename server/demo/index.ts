export { seedDemo, DEMO_RESTART_SCHEDULE, DEMO_UNITS, DEFAULT_START_DELAY_SECONDS } from './seed';
export type { DemoConfig, DemoSeed, DemoSaleInfo, SeedDeps } from './seed';
export { logStartupBanner, startupBanner, type BannerInfo, type BannerLogInfo } from './banner';
export { DEMO_ADMIN_EMAIL, DEMO_PRODUCT_ID, DEMO_SALE_ID } from './ids';
export type { DemoAdmin } from './admin';
