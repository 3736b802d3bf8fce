import type { LiveSaleState } from './sale-state';

/**
 * This process's latest known state of each sale it has seen, fed by the change stream and by snapshot reads.
 * It only ever moves forward in `version`. It backs the purchase path's sold-out fast path; the database stays
 * the only judge of a successful purchase, so a stale entry can only delay a refusal, never grant a purchase.
 *
 * It also keeps the rounds this process saw sold out in its own answers (`noteSoldOut`), before its change
 * stream reports them: within a round the stock only goes down (only a purchase changes it; a new round is a new
 * round number), so a round once seen at 0 stays at 0.
 */
export class StockCache {
  private readonly states = new Map<string, LiveSaleState>();
  /** Per sale, the newest round this process saw with nothing left, when the stream has not caught up. */
  private readonly soldOutRounds = new Map<string, number>();

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
    if (saleId === undefined) {
      this.states.clear();
      this.soldOutRounds.clear();
    } else {
      this.states.delete(saleId);
      this.soldOutRounds.delete(saleId);
    }
  }

  /**
   * Records that this process saw `round` of a sale with nothing left: it sold the last unit, or a refused
   * update's read found 0. Ignored when a newer round is already known.
   */
  noteSoldOut(saleId: string, round: number): void {
    const state = this.states.get(saleId);
    if (state && state.round > round) return;
    if ((this.soldOutRounds.get(saleId) ?? 0) >= round) return;
    this.soldOutRounds.set(saleId, round);
  }

  /**
   * True only when this exact round is known to have nothing left: the known state says so, or this process saw
   * it sold out and the stream has reported no newer round since.
   */
  isSoldOut(saleId: string, round: number): boolean {
    const state = this.states.get(saleId);
    if (state && state.round > round) return false;
    if (state && state.round === round && state.remaining === 0) return true;
    return this.soldOutRounds.get(saleId) === round;
  }
}
