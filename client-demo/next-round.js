// What the page says about the next round: the sale view's `nextRoundAt` (the restart schedule's next firing, when
// the current round ends at the latest), counted down on the server's clock as the page estimates it.
import { formatDuration } from './format.js';

const NONE = 'No next round is scheduled.';

/**
 * The countdown box of a round that has started, at `now` (server clock, ms): `{label, value, note}`.
 * `sale.nextRoundAt` undefined means not known yet (a new round arrived and its sale is being read again), null
 * means the sale has no restart schedule.
 */
export function roundClock(sale, status, now) {
  const next = sale.nextRoundAt;
  const left = next ? Date.parse(next) - now : 0;
  if (status === 'sold_out') {
    const over = `Round ${sale.round} is over`;
    if (next === null) return { label: over, value: 'Sold out', note: NONE };
    if (next === undefined) return { label: over, value: 'Sold out', note: '' };
    // The firing has come; the round opens at the next tick of the server's job, then arrives by socket.
    if (left <= 0) return { label: over, value: 'Starting…', note: `Round ${sale.round + 1} is opening.` };
    return {
      label: `${over} · next round in`,
      value: formatDuration(left),
      note: `Round ${sale.round + 1} starts at ${formatInstant(next, left)}.`,
    };
  }
  return { label: 'On now', value: 'Live', note: nextRoundNote(next, left) };
}

/** The line under a live round: how long until the next one replaces it. */
function nextRoundNote(next, left) {
  if (next === null) return NONE;
  if (next === undefined) return '';
  return left > 0 ? `Next round in ${formatDuration(left)}` : 'Next round starting…';
}

/** An instant in this browser's time zone: the time alone when it is within a day, else with the date. */
function formatInstant(iso, leftMs) {
  const options =
    leftMs < 20 * 3600 * 1000 ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
}
