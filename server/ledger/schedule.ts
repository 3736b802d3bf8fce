import { CronExpressionParser } from 'cron-parser';

/**
 * The first firing of `expression` (UTC) strictly after `after`. node-cron is the clock that ticks the jobs;
 * cron-parser answers "when next" for an arbitrary instant, which node-cron cannot.
 */
export function nextFiring(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}

/** The sale's next round time for a round starting at `startsAt`: the first firing after it (and after `now`). */
export function nextRoundAt(expression: string | null, startsAt: Date, now: Date): Date | null {
  if (!expression) return null;
  return nextFiring(expression, new Date(Math.max(startsAt.getTime(), now.getTime())));
}

/** Length of one period of the schedule around `at` (between its next two firings). */
export function schedulePeriodMs(expression: string, at: Date): number {
  const first = nextFiring(expression, at);
  return nextFiring(expression, first).getTime() - first.getTime();
}
