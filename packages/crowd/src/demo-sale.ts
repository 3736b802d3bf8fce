import { answerKey, type ApiClient } from './simulator/http';
import { SimulationError, type SaleView } from './simulator/types';

/** The server's demo schedule, DEMO_RESTART_SCHEDULE ("*\/5 * * * *"), fires on every fifth minute of UTC. */
const FIRING_EVERY_MS = 5 * 60_000;
/** Round 1 lasts at least this long before a firing opens round 2. */
const MIN_FIRST_ROUND_MS = 60_000;

/**
 * When round 1 starts: `startInSeconds` from `now`, in whole seconds (they read better on the countdown), but
 * just after the next schedule firing when that firing would come less than a minute into the round and cut it
 * short (a firing opens a new round once the current one has started).
 */
export function demoStart(now: number, startInSeconds: number): Date {
  const start = Math.ceil((now + startInSeconds * 1000) / 1000) * 1000;
  const nextFiring = Math.ceil(start / FIRING_EVERY_MS) * FIRING_EVERY_MS;
  return new Date(nextFiring - start < MIN_FIRST_ROUND_MS ? nextFiring + 1000 : start);
}

/** How `createDemoSale` logs in and when the sale starts. */
export interface DemoSaleOptions {
  client: ApiClient;
  admin: { email: string; password: string };
  /** Seconds from now (this machine's clock, the server's too: it runs here) to the start of round 1. */
  startInSeconds: number;
  /**
   * Units per round and the restart schedule: the server's DEMO_UNITS and DEMO_RESTART_SCHEDULE
   * (server/demo/seed.ts), passed in by scripts/demo.ts so that this package imports nothing of the app.
   */
  units: number;
  restartSchedule: string;
}

/**
 * Creates the demo's product and sale through the admin API, once the crowd is registered: the countdown starts
 * when the crowd is ready, so round 1 never begins without it. Same product, price and limits as the server's
 * own demo seed (server/demo/seed.ts), which the demo turns off (DEMO=false) to time the start itself.
 */
export async function createDemoSale(options: DemoSaleOptions): Promise<SaleView> {
  const { client } = options;
  const login = await client.call('POST', '/api/auth/login', { body: options.admin });
  if (login.status !== 200) throw new SimulationError(`Admin login failed (${answerKey(login)})`);
  const token: string = login.body.token;
  const product = await client.call('POST', '/api/products', {
    token,
    body: {
      name: 'Limited edition sneakers',
      description: `Demo product: ${options.units} pairs per round at the flash price.`,
      price: 12_000,
      currency: 'USD',
    },
  });
  if (product.status !== 201)
    throw new SimulationError(`Creating the product failed (${answerKey(product)})`);
  const startsAt = demoStart(Date.now(), options.startInSeconds);
  const sale = await client.call<{ sale: SaleView }>('POST', '/api/sales', {
    token,
    body: {
      productId: product.body.product.id,
      price: 4_900,
      units: options.units,
      startsAt: startsAt.toISOString(),
      perOrderLimit: 2,
      perUserLimit: 2,
      restartSchedule: options.restartSchedule,
      promoCondition: {
        name: 'Flash price',
        description: 'at most 2 pairs per buyer; a new round every 5 minutes.',
      },
    },
  });
  if (sale.status !== 201) throw new SimulationError(`Creating the sale failed (${answerKey(sale)})`);
  return sale.body.sale;
}
