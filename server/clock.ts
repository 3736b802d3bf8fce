/** Source of "now" for every time rule, injected so tests can control it without fake timers. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => new Date(),
};
