import type { Types, mongo } from 'mongoose';
import type { PromoCondition, Sale } from './sale.model';
import { nextRoundAt } from './schedule';

/** What an admin (or the demo seed) decides about a new sale. */
export interface NewSale {
  /** Fixed id (the demo seed); a fresh one otherwise. */
  id?: Types.ObjectId;
  productId: Types.ObjectId;
  productName: string;
  price: number;
  currency: string;
  units: number;
  perOrderLimit: number;
  perUserLimit: number;
  restartSchedule: string | null;
  promoCondition: PromoCondition | null;
  startsAt: Date;
  /**
   * The first round ends no earlier than this (the demo: a full period of its schedule, never seconds). Default:
   * the first firing of the schedule after `startsAt`.
   */
  firstRoundAtLeastUntil?: Date;
}

/** Inserts round 1 of a new sale. Throws the driver's duplicate-key error when a fixed id exists already. */
export async function createSale(sales: mongo.Collection<Sale>, input: NewSale, now: Date): Promise<Sale> {
  const { id, firstRoundAtLeastUntil, startsAt, ...facts } = input;
  const after = new Date(Math.max(startsAt.getTime(), firstRoundAtLeastUntil?.getTime() ?? 0));
  const doc: Omit<Sale, '_id'> & { _id?: Types.ObjectId } = {
    ...facts,
    round: 1,
    startsAt,
    remaining: input.units,
    sold: 0,
    orders: 0,
    version: 1,
    buyers: {},
    keys: {},
    pending: {},
    seq: [],
    lastAt: null,
    pendingStartAt: startsAt.getTime() > now.getTime() ? startsAt : null,
    nextRoundAt: nextRoundAt(input.restartSchedule, after, now),
    roundOpenedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  if (id) doc._id = id;
  const result = await sales.insertOne(doc as Sale);
  return { ...doc, _id: result.insertedId } as Sale;
}
