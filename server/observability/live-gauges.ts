import type { Server } from 'socket.io';
import type { LiveGaugeSource } from './metrics';

/**
 * Reads the socket and subscription gauges from a Socket.IO server at scrape time: connected sockets of the
 * default namespace, and the members of every room `isSubscriptionRoom` accepts (one room per sale, so the
 * sum is the number of socket and sale pairs). Cost per scrape: one pass over the rooms.
 */
export function socketIoGaugeSource(
  io: Server,
  isSubscriptionRoom: (room: string) => boolean,
): LiveGaugeSource {
  const namespace = io.of('/');
  return {
    sockets: () => namespace.sockets.size,
    subscriptions: () => {
      let total = 0;
      for (const [room, members] of namespace.adapter.rooms) {
        if (isSubscriptionRoom(room)) total += members.size;
      }
      return total;
    },
  };
}
