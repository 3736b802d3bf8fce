import { TestClock } from '@flash-sale/harness/app';

/**
 * The real time, as a TestClock: scripts and browsers run on wall-clock time and the server must agree with them
 * (the default TestClock stands still in 2030).
 */
export class WallClock extends TestClock {
  override now(): Date {
    return new Date();
  }
}
