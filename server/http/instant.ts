import Joi from 'joi';

/**
 * ISO 8601 extended format with a mandatory `Z` or `±hh:mm` offset: a time without one would be read in the
 * server's local zone, which a client cannot know.
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS[month - 1];
}

/**
 * The instant `text` names, or null when it is not one: no offset, or a field out of its calendar range
 * (`2031-02-30`, `24:00`, `10:60`), which `Date` would otherwise roll over into another day.
 */
export function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = m
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The one rule for every time a client sends: `instant()` is a joi string that must name a real instant with its
 * offset, and is converted to the canonical UTC form (`toISOString`), so services never see local times.
 */
export const instant = (): Joi.StringSchema => {
  const message = '{{#label}} must be an ISO 8601 time with Z or an offset, naming a real calendar instant';
  // The pattern is the syntax (it is what the OpenAPI document shows); the custom rule checks the calendar.
  return (
    Joi.string()
      .max(64)
      .pattern(INSTANT)
      // A value the pattern refused is reported once, by the pattern.
      .custom((value: string, helpers) =>
        INSTANT.test(value) ? (parseInstant(value)?.toISOString() ?? helpers.error('instant.base')) : value,
      )
      .messages({ 'string.pattern.base': message, 'instant.base': message })
      .description('ISO 8601 with Z or an offset (e.g. 2031-01-01T10:00:00Z), naming a real calendar instant')
  );
};
