import type { Binary } from 'bson';
import type { Transaction } from '../engine';
import type { Doc } from '../engine/types';

/**
 * Where a session's current txnNumber stands. `retryable`: the number was used by a retryable write (lsid +
 * txnNumber without autocommit), not a transaction.
 */
export type TxnState = 'none' | 'retryable' | 'inProgress' | 'committed' | 'aborted';

/** Server-side state of one logical session (keyed by `lsid.id`); drivers pool and reuse them. */
export class ServerSession {
  /** The highest txnNumber seen on this session: an older one is refused (TransactionTooOld). */
  txnNumber = -1;
  state: TxnState = 'none';
  /** The engine transaction while `state` is inProgress. */
  txn?: Transaction;
  /** Why the transaction at `txnNumber` was aborted, for the NoSuchTransaction message. */
  abortReason?: string;
  /** The connection that ran the transaction's last statement: closing it aborts the transaction. */
  txnConnection?: number;
  lifetimeTimer?: NodeJS.Timeout;
  /** The reply of the retryable write at `txnNumber`, or its promise while it runs. */
  retryReply?: Doc | Promise<Doc>;
  lastUse = Date.now();

  constructor(
    readonly key: string,
    readonly lsid: Doc,
  ) {}
}

/** The map key of an `lsid`: the hex of its UUID. */
export function sessionKey(lsid: unknown): string | undefined {
  const id = (lsid as { id?: Binary } | null)?.id;
  if (!id || (id as { _bsontype?: string })._bsontype !== 'Binary') return undefined;
  return Buffer.from(id.buffer.buffer, id.buffer.byteOffset, id.position).toString('hex');
}
