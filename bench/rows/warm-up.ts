import type { BenchContext } from '../lib/context';
import { measurePurchases } from './purchase';

/**
 * Runs the purchase comparison once, untimed and discarded, before the first measured row. The server under test
 * starts cold: until V8 has optimised its purchase path, a request costs up to half again as much CPU, so
 * whichever row ran first looked slower (the 1,000-buyer row, measured first, seemed to cost 1.9× the 50-buyer
 * row's CPU per request; warm, the two differ by about 6%). It also warms the floor server and the database.
 */
export async function warmUp(ctx: BenchContext): Promise<void> {
  await measurePurchases({ ...ctx, pairs: 1, runSec: 2 }, 50);
}
