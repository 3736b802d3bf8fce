// Pure formatting helpers of the demo page.

/** Money in minor units, e.g. 1999 USD -> "$19.99". */
export function formatMoney(minor, currency = 'USD') {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** A duration as "1d 02:03:04", "02:03:04" or "03:04". */
export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  const clock = h > 0 || days > 0 ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** The contract's status rule, evaluated on the server's clock as this page estimates it. */
export function deriveStatus(sale, serverNow) {
  if (serverNow < Date.parse(sale.startsAt)) return 'scheduled';
  return sale.remaining <= 0 ? 'sold_out' : 'active';
}

export const STATUS_LABEL = { scheduled: 'Starts soon', active: 'Live', sold_out: 'Sold out' };

/** A clear sentence for each error code of the contract. */
export function describeError(error, sale, { countdown } = {}) {
  const details = error.details ?? {};
  switch (error.code) {
    case 'SALE_NOT_STARTED':
      return countdown ? `Not yet! The sale opens in ${countdown}.` : 'Not yet! The sale has not started.';
    case 'SOLD_OUT':
      return 'Sold out: every unit of this round is gone.';
    case 'INSUFFICIENT_STOCK':
      return `Only ${details.remaining ?? 'a few'} left: lower the quantity and try again.`;
    case 'USER_LIMIT_REACHED': {
      const limit = details.perUserLimit ?? sale?.perUserLimit ?? 1;
      const left = typeof details.purchased === 'number' ? limit - details.purchased : 0;
      return left > 0
        ? `You can buy ${left} more this round (${limit} per buyer): lower the quantity.`
        : `You already have the most this round allows (${limit} per buyer).`;
    }
    case 'ORDER_LIMIT_EXCEEDED':
      return `At most ${sale?.perOrderLimit ?? 1} per order.`;
    case 'UNAUTHENTICATED':
      return 'Your session has expired: log in again to buy.';
    case 'INVALID_CREDENTIALS':
      return 'Wrong email or password.';
    case 'EMAIL_TAKEN':
      return 'This email is already registered: log in instead.';
    case 'VALIDATION_ERROR': {
      const fields = Array.isArray(error.details) ? error.details.map((d) => d.message).join('; ') : '';
      return fields ? `Please check: ${fields}.` : 'Please check what you entered.';
    }
    case 'RATE_LIMITED':
      return `Too many tries: wait ${error.retryAfter ?? 'a few'} second${error.retryAfter === 1 ? '' : 's'} and retry.`;
    case 'NOT_FOUND':
      return 'This sale no longer exists.';
    case 'FORBIDDEN':
      return 'This needs an admin account.';
    case 'PAYLOAD_TOO_LARGE':
      return 'That request was too large.';
    case 'SERVICE_UNAVAILABLE':
      return 'The store is briefly unavailable: try again in a moment.';
    case 'NETWORK':
      return 'Cannot reach the server: check your connection.';
    default:
      return 'Something went wrong on our side: please try again.';
  }
}
