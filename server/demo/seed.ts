import type { Connection } from 'mongoose';
import type { Logger } from 'winston';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { isDuplicateKey } from '../db/duplicate-key';
import { productModel } from '../products/product.model';
import { SaleLedger, salesReader, schedulePeriodMs } from '../ledger';
import { ensureGeneratedAdmin, type DemoAdmin } from './admin';
import { DEMO_SALE_ID, demoObjectIds } from './ids';

/** Seconds between boot and the demo sale's start unless the configuration says otherwise. */
export const DEFAULT_START_DELAY_SECONDS = 60;
/** A fresh round every five minutes (UTC), so a visitor always finds a countdown or a live sale. */
export const DEMO_RESTART_SCHEDULE = '*/5 * * * *';
/** Units per round of the demo sale. */
export const DEMO_UNITS = 200;

/** The part of the configuration seeding reads; `demoStartDelaySeconds` is DEMO_START_DELAY_S. */
export type DemoConfig = Pick<Config, 'demo' | 'admin'> & { readonly demoStartDelaySeconds?: number };

/** What seeding needs. */
export interface SeedDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  config: DemoConfig;
  /** True when the server runs the embedded in-memory database. */
  embedded: boolean;
}

/** The demo sale as seeding left it. */
export interface DemoSaleInfo {
  id: string;
  startsAt: Date;
  restartSchedule: string | null;
  /** True only for the call that inserted it. */
  created: boolean;
}

/** What seeding did: null parts were not seeded (DEMO off, other sales exist, admin configured). */
export interface DemoSeed {
  sale: DemoSaleInfo | null;
  admin: DemoAdmin | null;
}

/**
 * DEMO=true: on a database with no sale, creates the demo product and a demo sale of 200 units that starts
 * `demoStartDelaySeconds` after now and opens a new round every five minutes. With the embedded database and no
 * ADMIN_EMAIL/ADMIN_PASSWORD, also an admin with a generated password. Idempotent and safe when several instances
 * run it at once (fixed ids, insert-only upserts). Run it after `createApp` (which builds the indexes).
 */
export async function seedDemo(deps: SeedDeps): Promise<DemoSeed> {
  const { config, logger } = deps;
  if (!config.demo) return { sale: null, admin: null };
  const admin = deps.embedded && !config.admin ? await ensureGeneratedAdmin(deps.connection) : null;
  if (admin) logger.info('demo admin', { email: admin.email, created: admin.password !== null });
  const sale = await ensureDemoSale(deps);
  if (sale?.created)
    logger.info('demo sale created', { saleId: sale.id, startsAt: sale.startsAt.toISOString() });
  return { sale, admin };
}

async function ensureDemoSale(deps: SeedDeps): Promise<DemoSaleInfo | null> {
  const { productId, saleId } = demoObjectIds();
  const existing = await readDemoSale(deps.connection);
  if (existing) return existing;
  // Any other sale means an operator is at work: the demo stays out of the way.
  if (await salesReader(deps.connection).findOne({}, { projection: { _id: 1 } })) return null;

  const product = await productModel(deps.connection).findOneAndUpdate(
    { _id: productId },
    {
      $setOnInsert: {
        name: 'Limited edition sneakers',
        description: 'Demo product: 200 pairs per round at the flash price.',
        price: 12_000,
        currency: 'USD',
      },
    },
    { upsert: true, returnDocument: 'after', lean: true },
  );
  if (!product) throw new Error('demo product upsert returned nothing');
  const now = deps.clock.now();
  const delaySeconds = deps.config.demoStartDelaySeconds ?? DEFAULT_START_DELAY_SECONDS;
  // Whole seconds read better in the banner and on the countdown.
  const startsAt = new Date(Math.ceil((now.getTime() + delaySeconds * 1000) / 1000) * 1000);
  try {
    await new SaleLedger(deps.connection).create(
      {
        id: saleId,
        productId: product._id,
        productName: product.name,
        price: 4_900,
        currency: product.currency,
        units: DEMO_UNITS,
        perOrderLimit: 2,
        perUserLimit: 2,
        restartSchedule: DEMO_RESTART_SCHEDULE,
        promoCondition: {
          name: 'Flash price',
          description: 'At most 2 pairs per buyer; a new round every 5 minutes.',
        },
        startsAt,
        // A visitor never sees a first round that lasts seconds: it runs at least one full period.
        firstRoundAtLeastUntil: new Date(
          startsAt.getTime() + schedulePeriodMs(DEMO_RESTART_SCHEDULE, startsAt),
        ),
      },
      now,
    );
    const sale = await readDemoSale(deps.connection);
    return sale && { ...sale, created: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Another instance inserted it between our check and our insert.
    return readDemoSale(deps.connection);
  }
}

async function readDemoSale(connection: Connection): Promise<DemoSaleInfo | null> {
  const { saleId } = demoObjectIds();
  const doc = await salesReader(connection).findOne(
    { _id: saleId },
    { projection: { startsAt: 1, restartSchedule: 1 } },
  );
  return doc
    ? { id: DEMO_SALE_ID, startsAt: doc.startsAt, restartSchedule: doc.restartSchedule, created: false }
    : null;
}
