import type { LiveSaleState } from './sale-state';

interface Slot {
  lastVersion: number;
  pending: LiveSaleState | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Folds a rush of changes of one sale into at most one emit per window (a throttle with leading and trailing
 * edges): the first change after a quiet window goes out at once, later ones inside the window replace each
 * other, and the newest is emitted when the window ends. So latency stays low when a sale is quiet, sockets are
 * not flooded during a rush, versions only go up, and the last emit is always the newest state offered.
 */
export class UpdateCoalescer {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly windowMs: number,
    private readonly emit: (state: LiveSaleState) => void,
  ) {}

  /**
   * Queues a state for its sale's room. A state older than what was emitted or queued is dropped; an equal one
   * only with `force` (used to re-send snapshots after the stream lost its history).
   */
  offer(state: LiveSaleState, force = false): void {
    if (this.closed) return;
    let slot = this.slots.get(state.saleId);
    if (!slot) {
      slot = { lastVersion: -1, pending: null, timer: null };
      this.slots.set(state.saleId, slot);
    }
    const floor = slot.pending?.version ?? slot.lastVersion;
    if (state.version < floor || (state.version === floor && !force)) return;
    if (slot.timer) {
      slot.pending = state;
      return;
    }
    this.send(slot, state);
  }

  /** Emits everything still queued and stops the timers. */
  close(): void {
    for (const slot of this.slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      const pending = slot.pending;
      slot.pending = null;
      if (pending) this.emit(pending);
    }
    this.closed = true;
  }

  private send(slot: Slot, state: LiveSaleState): void {
    slot.lastVersion = state.version;
    slot.timer = setTimeout(() => this.endWindow(slot), this.windowMs);
    slot.timer.unref();
    this.emit(state);
  }

  private endWindow(slot: Slot): void {
    slot.timer = null;
    const pending = slot.pending;
    slot.pending = null;
    if (pending) this.send(slot, pending);
  }
}
