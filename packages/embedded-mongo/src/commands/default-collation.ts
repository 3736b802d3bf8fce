/**
 * The collation a command runs under: its own `collation` when it sends one (`{locale: 'simple'}` included),
 * else the default collation its collection was created with, as MongoDB does.
 */
import { parseCollation, type Collation } from '../engine/collation';
import type { CommandContext } from './data-commands';

/** The collation of a command on collection `name` (undefined: binary comparison). */
export function commandCollation(ctx: CommandContext, name: unknown, raw: unknown): Collation | undefined {
  if (raw !== undefined && raw !== null) return parseCollation(raw);
  if (typeof name !== 'string') return undefined;
  const coll = ctx.engine.view(ctx.db, name, ctx.txn).coll;
  return parseCollation(coll?.options.collation);
}
