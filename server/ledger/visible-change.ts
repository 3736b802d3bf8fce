import type { mongo } from 'mongoose';
import type { Sale } from './sale.model';

/**
 * The one place that keeps the rule "every change clients can see adds exactly 1 to `version`": live clients
 * merge an update only when its version is one above the last they saw (live/sale-state.ts), so a writer that
 * forgot it would make them miss a change silently. Every visible write of the ledger goes through here.
 */
export function visibleChange(update: mongo.UpdateFilter<Sale>, now: Date): mongo.UpdateFilter<Sale> {
  const inc = { ...(update.$inc ?? {}), version: 1 } as mongo.UpdateFilter<Sale>['$inc'];
  const set = { ...(update.$set ?? {}), updatedAt: now } as mongo.UpdateFilter<Sale>['$set'];
  return { ...update, $inc: inc, $set: set };
}

/** The same rule for a pipeline-style update: one `$set` stage holding `fields`, version + 1. */
export function visiblePipeline(fields: Record<string, unknown>, now: Date): mongo.Document[] {
  return [{ $set: { ...fields, version: { $add: ['$version', 1] }, updatedAt: { $literal: now } } }];
}
