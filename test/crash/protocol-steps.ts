import type { CommandMatcher } from '@flash-sale/embedded-mongo';

/**
 * The database commands of each step of the purchase and round protocols (server/ledger), recognised by their
 * shape on the wire, so a pause (`Faults.pauseAfter`) can stop the database right after one of them.
 */

type Doc = Record<string, unknown>;

function hasKeyStarting(fields: unknown, prefix: string): boolean {
  return (
    typeof fields === 'object' && fields !== null && Object.keys(fields).some((k) => k.startsWith(prefix))
  );
}

function statements(command: Doc): Doc[] {
  return Array.isArray(command.updates) ? (command.updates as Doc[]) : [];
}

/** The purchase decision: the one findOneAndUpdate of the sale that writes an outbox entry (`pending.<id>`). */
export const purchaseCommit: CommandMatcher = (command) =>
  command.findAndModify === 'sales' &&
  !Array.isArray(command.update) &&
  hasKeyStarting((command.update as Doc | undefined)?.$set, 'pending.');

/** The purchase record: the insert of the purchase document. */
export const purchaseInsert: CommandMatcher = (command) => command.insert === 'purchases';

/** An outbox removal (drain or reconciler): an update of a sale that `$unset`s `pending.<id>` entries. */
export const outboxRemoval: CommandMatcher = (command) =>
  command.update === 'sales' &&
  statements(command).some((s) => hasKeyStarting((s.u as Doc)?.$unset, 'pending.'));

/** A purchase the reconciler restores: an upsert of a purchase document. */
export const reconcileRestore: CommandMatcher = (command) =>
  command.update === 'purchases' && statements(command).some((s) => s.upsert === true);

/** A round opening: the one pipeline findOneAndUpdate of the sale that sets the next `round`. */
export const roundOpen: CommandMatcher = (command) =>
  command.findAndModify === 'sales' &&
  Array.isArray(command.update) &&
  (command.update as Doc[]).some((stage) => (stage.$set as Doc | undefined)?.round !== undefined);

/** The outbox entry id a purchase commit writes. */
export function committedPurchaseId(command: Doc): string {
  const set = (command.update as Doc).$set as Doc;
  const key = Object.keys(set).find((k) => k.startsWith('pending.'));
  if (!key) throw new Error('not a purchase commit');
  return key.slice('pending.'.length);
}
