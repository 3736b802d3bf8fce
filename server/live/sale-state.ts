import { saleStatus } from '../sales/sale.view';
import type { SaleUpdate } from './events';

/** What the live clients see of a sale: the fields of `sale:update` before the status is derived. */
export interface LiveSaleState {
  saleId: string;
  round: number;
  units: number;
  remaining: number;
  sold: number;
  startsAt: Date;
  version: number;
}

/** The sale document fields the gateway reads, projects from the change stream and merges. */
export const LIVE_FIELDS = ['round', 'units', 'remaining', 'sold', 'startsAt', 'version'] as const;

/** How a change description relates to the state already known. */
export type MergeResult =
  | { kind: 'newer'; state: LiveSaleState }
  /** Already reflected (version not above the known one): nothing to do. */
  | { kind: 'stale' }
  /** A change was missed or the description lacks a version: the sale must be read again. */
  | { kind: 'unknown' };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** The live state of a whole sale document (insert, replace, or a read); null when a field is missing. */
export function stateFromDocument(doc: Record<string, unknown> | null | undefined): LiveSaleState | null {
  if (!doc || doc._id == null) return null;
  const { round, units, remaining, sold, version } = doc;
  const startsAt = doc.startsAt instanceof Date ? doc.startsAt : null;
  if (!isCount(round) || !isCount(units) || !isCount(remaining) || !isCount(sold) || !isCount(version))
    return null;
  if (!startsAt) return null;
  return { saleId: String(doc._id), round, units, remaining, sold, startsAt, version };
}

/**
 * Applies an update event's `updatedFields` to the known state. Every write that changes what clients see also
 * increments `version` by one, so a description whose version is exactly one above the known one holds every
 * field that changed; anything else means a change was not seen and the delta cannot be trusted.
 */
export function mergeUpdatedFields(prev: LiveSaleState, fields: Record<string, unknown>): MergeResult {
  const version = fields.version;
  if (!isCount(version)) return { kind: 'unknown' };
  if (version <= prev.version) return { kind: 'stale' };
  if (version !== prev.version + 1) return { kind: 'unknown' };
  const merged: Record<string, unknown> = { _id: prev.saleId, ...prev };
  for (const field of LIVE_FIELDS) if (field in fields) merged[field] = fields[field];
  const state = stateFromDocument(merged);
  return state ? { kind: 'newer', state } : { kind: 'unknown' };
}

/** The `sale:update` payload of a state, with the status derived at `now`. */
export function toSaleUpdate(state: LiveSaleState, now: Date): SaleUpdate {
  return {
    saleId: state.saleId,
    round: state.round,
    units: state.units,
    remaining: state.remaining,
    sold: state.sold,
    status: saleStatus(state, now),
    version: state.version,
    at: now.toISOString(),
  };
}
