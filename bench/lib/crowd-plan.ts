/**
 * The arithmetic of the crowd row (bench/rows/crowd.ts), kept apart so it can be tested without timing: how
 * many purchases fill each sale before it is measured, which buyers and keys each purchase uses, the order of
 * the measured runs, and the figures drawn from their latencies.
 */

/** What the row asks for. */
export interface CrowdOptions {
  /** Units of each sale (one round): the contract's most, 10,000. */
  units: number;
  /** Distinct buyers of the small sale when its first measured purchase starts (warm-up included). */
  small: number;
  /** Measured pairs (one run on each sale per pair). */
  pairs: number;
  /** Purchases per measured run. */
  perRun: number;
  /** Unmeasured purchases on each sale just before the pairs. */
  warmUp: number;
}

/** Counts derived from the options. */
export interface CrowdPlan extends CrowdOptions {
  /** Purchases that fill the small sale and the large sale before the warm-up. */
  fillSmall: number;
  fillLarge: number;
  /** Distinct buyers of the large sale when its first measured purchase starts. */
  large: number;
  /** Warm-up plus measured purchases on each sale: each needs a buyer never seen before. */
  measuredPerSale: number;
}

/**
 * The large sale is filled so that its last measured purchase takes its last unit (buyer number `units`, the
 * 10,000th); the small one so that its first measured purchase comes from buyer `small + 1`.
 */
export function planCrowd(options: CrowdOptions): CrowdPlan {
  const { units, small, pairs, perRun, warmUp } = options;
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`crowd: ${name} must be a whole number`);
  }
  if (pairs < 1 || perRun < 1) throw new Error('crowd: at least one pair of one purchase');
  const measuredPerSale = warmUp + pairs * perRun;
  const fillLarge = units - measuredPerSale;
  const fillSmall = small - warmUp;
  if (fillSmall < 0) throw new Error('crowd: the warm-up is larger than the small crowd');
  if (fillLarge <= small) throw new Error('crowd: the measured runs leave no large crowd');
  return { ...options, fillSmall, fillLarge, large: fillLarge + warmUp, measuredPerSale };
}

/** Longest Idempotency-Key the contract allows. */
export const MAX_KEY_CHARS = 255;
/** Characters an Idempotency-Key may hold: visible ASCII (0x21-0x7e). */
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/**
 * An Idempotency-Key of exactly `length` characters, unique for (`tag`, `index`): the tag and index first, then
 * `filler` (visible ASCII) repeated as needed. Throws when the unique part does not fit.
 */
export function idempotencyKey(tag: string, index: number, filler: string, length = MAX_KEY_CHARS): string {
  const head = `${tag}-${index}-`;
  if (!KEY_PATTERN.test(head) || !KEY_PATTERN.test(filler)) throw new Error('crowd: keys are visible ASCII');
  if (head.length > length) throw new Error(`crowd: key head "${head}" is longer than ${length}`);
  let key = head;
  while (key.length < length) key += filler;
  return key.slice(0, length);
}

/** Which sale runs first in pair `i`: the small one in even pairs, the large one in odd pairs. */
export function pairOrder(i: number): ['small', 'large'] | ['large', 'small'] {
  return i % 2 === 0 ? ['small', 'large'] : ['large', 'small'];
}

/** The median of a list (mean of the middle two when even); NaN when empty. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per pair, p50 of the large sale's run over p50 of the small sale's run; the figure is their median. */
export function pairRatios(pairs: { small: number[]; large: number[] }[]): {
  ratios: number[];
  ratio: number;
} {
  const ratios = pairs.map((p) => median(p.large) / median(p.small));
  return { ratios, ratio: median(ratios) };
}
