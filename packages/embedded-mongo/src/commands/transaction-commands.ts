import { mongoError } from '../errors';
import type { CommandHandler, RequestContext } from './context';
import type { ServerSession } from '../txn/session';

/** `commitTransaction`: a retried commit of a committed transaction answers ok, as MongoDB does. */
export const commitTransaction: CommandHandler = (cmd, ctx) => {
  ctx.server.sessions.commit(sessionOf('commitTransaction', ctx), cmd);
  return { ok: 1 };
};

/** `abortTransaction` (drivers ignore its errors). */
export const abortTransaction: CommandHandler = (cmd, ctx) => {
  ctx.server.sessions.abort(sessionOf('abortTransaction', ctx), cmd);
  return { ok: 1 };
};

function sessionOf(name: string, ctx: RequestContext): ServerSession {
  if (ctx.db !== 'admin')
    throw mongoError('Unauthorized', `${name} may only be run against the admin database.`);
  if (!ctx.session) throw mongoError('InvalidOptions', `${name} must be run with an lsid and a txnNumber`);
  return ctx.session;
}
