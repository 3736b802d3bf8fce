// The Socket.IO side of the page: one watched sale, re-subscribed after every reconnect.

/**
 * Connects to the live-stock gateway. `onConnection(state)` gets 'live' | 'reconnecting';
 * `onSnapshot(sale, offsetMs)` gets each subscribe answer with the estimated server clock offset;
 * `onUpdate(update)` gets each `sale:update` of the watched sale, `onPurchases(batch)` each `sale:purchases` (new
 * buyers of a round, in position order); `onError(error)` a refused subscribe.
 */
export function connectLive({ onConnection, onSnapshot, onUpdate, onPurchases, onError }) {
  // `io` is the global of /socket.io/socket.io.js, served by the server itself.
  const socket = window.io({ reconnectionDelayMax: 4000 });
  let watched = null;

  function subscribe(saleId) {
    const sentAt = Date.now();
    socket.timeout(5000).emit('sale:subscribe', saleId, (timeoutError, answer) => {
      if (saleId !== watched) return;
      if (timeoutError) {
        onError({ code: 'SERVICE_UNAVAILABLE' });
        return;
      }
      if (!answer.ok) {
        onError(answer.error);
        return;
      }
      // The server stamped serverTime about halfway through the round trip.
      const offsetMs = Date.parse(answer.sale.serverTime) - (sentAt + Date.now()) / 2;
      onSnapshot(answer.sale, offsetMs);
    });
  }

  socket.on('connect', () => {
    onConnection('live');
    if (watched) subscribe(watched);
  });
  socket.on('disconnect', (reason) => {
    onConnection('reconnecting');
    // The client retries by itself except when the server closed the connection on purpose (e.g. a restart).
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', () => onConnection('reconnecting'));
  socket.on('sale:update', (update) => {
    if (update.saleId === watched) onUpdate(update);
  });
  socket.on('sale:purchases', (batch) => {
    if (batch.saleId === watched) onPurchases(batch);
  });

  return {
    /** Watches one sale (and stops watching the previous one). */
    watch(saleId) {
      if (watched && watched !== saleId && socket.connected) socket.emit('sale:unsubscribe', watched);
      watched = saleId;
      if (socket.connected) subscribe(saleId);
    },
  };
}
