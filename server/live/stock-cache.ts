import type { LiveSaleState } from './sale-state';

/**
 * This process's latest known state of each sale it has seen, fed by the change stream and by snapshot reads.
 * It only ever moves forward in `version`. It backs the purchase path's sold-out fast path; the database stays
 * the only judge of a successful purchase, so a stale entry can only delay a refusal, never grant a purchase.
 */
export class StockCache {
  private readonly states = new Map<string, LiveSaleState>();

  get(saleId: string): LiveSaleState | undefined {
    return this.states.get(saleId);
  }

  /** Keeps `state` when it is newer than the known one; returns whether it was kept. */
  offer(state: LiveSaleState): boolean {
    const known = this.states.get(state.saleId);
    if (known && known.version >= state.version) return false;
    this.states.set(state.saleId, state);
    return true;
  }

  /** Forgets one sale (its state can no longer be trusted) or, without an id, every sale. */
  forget(saleId?: string): void {
    if (saleId === undefined) this.states.clear();
    else this.states.delete(saleId);
  }

  /** True only when the known state is exactly this round with nothing left. */
  isSoldOut(saleId: string, round: number): boolean {
    const state = this.states.get(saleId);
    return state !== undefined && state.round === round && state.remaining === 0;
  }
}
