// REST calls of the demo page and the session kept in sessionStorage (gone when the tab closes).

const SESSION_KEY = 'flash-sale.session';

/** An error answer of the API, or a network failure (code NETWORK). */
export class ApiError extends Error {
  constructor(code, message, { status = 0, details, retryAfter } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** Calls the API; resolves with the JSON body or rejects with an ApiError in the contract's terms. */
export async function api(path, { method = 'GET', body, token, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached');
  }
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  const error = payload?.error ?? {};
  const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
  throw new ApiError(error.code ?? 'INTERNAL_ERROR', error.message ?? response.statusText, {
    status: response.status,
    details: error.details,
    retryAfter,
  });
}

/** The signed-in user, if any: `{token, user}`. */
export const session = {
  load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
      return saved && typeof saved.token === 'string' ? saved : null;
    } catch {
      return null;
    }
  },
  save(value) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: value.token, user: value.user }));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};
