// Live figures of the operator console: the watched sale's stock and how fast it sells.

/** Units sold per second are measured over this window. */
const RATE_WINDOW_MS = 5000;

/**
 * Keeps (time, sold) samples of one round and gives the sale rate over the last few seconds. A new round or
 * another sale starts over; with no new sale the rate falls back to 0 as the window slides.
 */
export class SaleRate {
  constructor(now = () => performance.now()) {
    this.now = now;
    this.key = null;
    this.samples = [];
  }

  /** Records the sale as just seen. */
  observe(sale) {
    const key = `${sale.id}:${sale.round}`;
    if (key !== this.key) {
      this.key = key;
      this.samples = [];
    }
    const last = this.samples.at(-1);
    if (!last || last.sold !== sale.sold) this.samples.push({ t: this.now(), sold: sale.sold });
    // Keep one sample older than the window as the baseline, drop the rest.
    const from = this.now() - RATE_WINDOW_MS;
    while (this.samples.length > 2 && this.samples[1].t < from) this.samples.shift();
  }

  /** Units per second over the window (0 without movement). */
  perSecond() {
    if (this.samples.length < 2) return 0;
    const now = this.now();
    const from = now - RATE_WINDOW_MS;
    const base = this.samples.findLast((s) => s.t <= from) ?? this.samples[0];
    const latest = this.samples.at(-1);
    const seconds = Math.max(1, (now - base.t) / 1000);
    return Math.max(0, (latest.sold - base.sold) / seconds);
  }
}

/** Fills the figures list (`dd[data-figure]` elements) from a sale. */
export function renderFigures(root, sale, rate, statusLabel) {
  const set = (name, value) => {
    const el = root.querySelector(`[data-figure="${name}"]`);
    if (el) el.textContent = value;
  };
  if (!sale) {
    for (const el of root.querySelectorAll('[data-figure]')) el.textContent = '–';
    return;
  }
  set('sale', `${sale.product.name} · round ${sale.round}`);
  set('status', statusLabel);
  set('remaining', `${sale.remaining} / ${sale.units}`);
  set('sold', String(sale.sold));
  set('rate', rate.perSecond().toFixed(1));
  set('version', String(sale.version));
}
