/** The contract's `sale`, as far as the simulator reads it. */
export interface SaleView {
  id: string;
  product: { id: string; name: string };
  price: number;
  currency: string;
  units: number;
  remaining: number;
  sold: number;
  round: number;
  status: 'scheduled' | 'active' | 'sold_out';
  startsAt: string;
  perOrderLimit: number;
  perUserLimit: number;
  restartSchedule: string | null;
  version: number;
  serverTime: string;
}

/** A leaderboard entry. */
export interface LeaderboardItem {
  position: number;
  user: { id: string; name: string };
  quantity: number;
  purchasedAt: string;
}

/** A registered simulated buyer. */
export interface Buyer {
  id: string;
  name: string;
  token: string;
}

/** Why a run stopped early; its message says what to do. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}
