// The demo page: pick a sale, watch its stock live, buy, see the first buyers.
import { api, ApiError, session } from './api.js';
import { describeError, deriveStatus, formatDuration, formatMoney, STATUS_LABEL } from './format.js';
import { createLeaderboard } from './leaderboard.js';
import { connectLive } from './live.js';
import { roundClock } from './next-round.js';

const $ = (id) => document.getElementById(id);

const state = {
  sales: [],
  sale: null,
  /** Server clock minus this page's clock, in ms. */
  offsetMs: 0,
  auth: session.load(),
  /** A buy waiting for the user to log in. */
  buyAfterAuth: false,
  /** Kept until a definitive answer, so retrying after a network error cannot buy twice. */
  buyKey: null,
  buying: false,
  /** Regular price of each product shown, for the struck-through price. */
  regularPrices: new Map(),
  /** 'connecting' | 'live' | 'reconnecting': while not live, the numbers shown may be stale. */
  connection: 'connecting',
  /** The sale whose "opens in" message counts down with the clock, or null. */
  countdownMessageFor: null,
};

const serverNow = () => Date.now() + state.offsetMs;

const leaderboard = createLeaderboard({
  api,
  currentUser: () => state.auth,
  elements: {
    title: $('leaderboard-title'),
    list: $('leaderboard'),
    empty: $('leaderboard-empty'),
    more: $('leaderboard-more'),
    you: $('leaderboard-you'),
  },
});

function setMessage(text, tone = 'info') {
  state.countdownMessageFor = null;
  const el = $('message');
  el.textContent = text;
  el.dataset.tone = tone;
}

/** "Not yet! The sale opens in 00:44", kept in step with the countdown by renderClock. */
function showOpensIn(sale) {
  setMessage(describeError({ code: 'SALE_NOT_STARTED' }, sale, { countdown: opensIn(sale) }), 'error');
  state.countdownMessageFor = sale.id;
}

const opensIn = (sale) => formatDuration(Date.parse(sale.startsAt) - serverNow());

// The pill is about the connection only: "Live" is the sale's word (its status badge).
const CONNECTION_LABEL = { connecting: 'Connecting…', live: 'Connected', reconnecting: 'Reconnecting…' };

function setConnection(status) {
  state.connection = status;
  const el = $('connection');
  el.dataset.state = status;
  el.textContent = CONNECTION_LABEL[status];
  renderClock();
}

// ---- rendering

function renderSales() {
  const list = $('sales');
  list.replaceChildren(
    ...state.sales.map((sale) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.saleId = sale.id;
      button.setAttribute('aria-pressed', String(sale.id === state.sale?.id));
      const name = document.createElement('span');
      name.textContent = sale.product.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = `${formatMoney(sale.price, sale.currency)} · ${STATUS_LABEL[deriveStatus(sale, serverNow())]}`;
      button.append(name, meta);
      button.addEventListener('click', () => selectSale(sale.id));
      item.append(button);
      return item;
    }),
  );
  list.setAttribute('aria-busy', 'false');
  $('sales-empty').hidden = state.sales.length > 0;
}

function renderSale() {
  const sale = state.sale;
  adminConsole?.showSale(sale);
  $('sale').hidden = !sale;
  $('board').hidden = !sale;
  if (!sale) return;
  $('product').textContent = sale.product.name;
  $('price').textContent = formatMoney(sale.price, sale.currency);
  const regular = state.regularPrices.get(sale.product.id);
  $('regular').textContent = regular && regular > sale.price ? formatMoney(regular, sale.currency) : '';
  $('round').textContent = `Round ${sale.round}`;
  $('promo').hidden = !sale.promoCondition;
  // A dash, not a colon: descriptions often carry a colon of their own ("Demo sale: …").
  $('promo').textContent = sale.promoCondition
    ? `${sale.promoCondition.name} — ${sale.promoCondition.description}`
    : '';
  $('remaining').textContent = String(sale.remaining);
  $('units').textContent = String(sale.units);
  const bar = $('stock-bar');
  bar.setAttribute('aria-valuemax', String(sale.units));
  bar.setAttribute('aria-valuenow', String(sale.remaining));
  bar.setAttribute('aria-valuetext', `${sale.remaining} of ${sale.units} left`);
  $('stock-fill').style.width = `${sale.units > 0 ? (100 * sale.remaining) / sale.units : 0}%`;
  const quantityField = $('quantity-field');
  quantityField.hidden = sale.perOrderLimit <= 1;
  $('quantity').max = String(sale.perOrderLimit);
  renderClock();
}

/** The parts that move with time or with the connection: status, countdown, the "opens in" message. */
function renderClock() {
  const sale = state.sale;
  if (!sale) return;
  const status = deriveStatus(sale, serverNow());
  // Without a connection the stock may have moved: say so rather than show old numbers as live.
  const stale = state.connection === 'reconnecting';
  if (stale) $('sale').dataset.stale = 'true';
  else delete $('sale').dataset.stale;
  const badge = $('status');
  badge.dataset.status = stale ? 'stale' : status;
  badge.textContent = stale ? 'Reconnecting…' : STATUS_LABEL[status];
  const label = $('countdown-label');
  const countdown = $('countdown');
  if (state.countdownMessageFor === sale.id) {
    if (status === 'scheduled') showOpensIn(sale);
    else setMessage('It has started: buy now!', 'info');
  }
  const round = roundClock(sale, status, serverNow());
  if (status === 'scheduled') {
    label.textContent = 'Starts in';
    countdown.textContent = opensIn(sale);
  } else if (stale) {
    label.textContent = 'Connection lost';
    countdown.textContent = 'Last known stock';
  } else {
    label.textContent = round.label;
    countdown.textContent = round.value;
  }
  // Before the round starts, the next one is beside the point: the countdown is to this one.
  const note = $('next-round');
  note.textContent = status === 'scheduled' ? '' : round.note;
  note.hidden = !note.textContent;
  const buy = $('buy');
  buy.disabled = state.buying || status === 'sold_out';
  $('quantity').disabled = buy.disabled;
  buy.textContent = state.buying ? 'Buying…' : status === 'sold_out' ? 'Sold out' : 'Buy now';
}

function renderAccount() {
  const signedIn = Boolean(state.auth);
  $('signed-in').hidden = !signedIn;
  $('auth-form').hidden = signedIn;
  $('user-name').textContent = state.auth?.user?.name ?? '';
  $('account').hidden = false;
  leaderboard.userChanged();
  syncConsole();
}

// ---- operator console (admins only; the API decides what an admin may do)

let adminConsole = null;
let consoleLoading = null;

/** Mounts the console for an admin (loading its module on first use) and removes it for anyone else. */
async function syncConsole() {
  const isAdmin = state.auth?.user?.role === 'admin';
  if (!isAdmin) {
    adminConsole?.destroy();
    adminConsole = null;
    return;
  }
  if (adminConsole || consoleLoading) return;
  consoleLoading = import('./console.js');
  try {
    const { mountConsole } = await consoleLoading;
    if (state.auth?.user?.role !== 'admin') return;
    adminConsole = mountConsole($('console'), {
      api,
      getToken: () => state.auth?.token,
      getUser: () => state.auth?.user,
      serverNow,
      statusLabel: (sale) => STATUS_LABEL[deriveStatus(sale, serverNow())],
      onSaleCreated(sale) {
        if (!state.sales.some((s) => s.id === sale.id)) state.sales.push(sale);
        selectSale(sale.id);
      },
      onSaleChanged(sale) {
        if (sale.id === state.sale?.id && sale.version >= state.sale.version) acceptSale(sale);
        renderSales();
      },
      onUnauthenticated: signOut,
    });
    adminConsole.showSale(state.sale);
  } catch {
    setMessage('The operator console could not load: reload the page to try again.', 'error');
  } finally {
    consoleLoading = null;
  }
}

async function loadRegularPrice(productId) {
  if (state.regularPrices.has(productId)) return;
  try {
    const { product } = await api(`/api/products/${productId}`);
    state.regularPrices.set(productId, product.price);
    renderSale();
  } catch {
    // Only the promo price is shown then.
  }
}

// ---- live data

function acceptSale(sale, offsetMs) {
  if (offsetMs !== undefined) state.offsetMs = offsetMs;
  state.sale = sale;
  const index = state.sales.findIndex((s) => s.id === sale.id);
  if (index >= 0) state.sales[index] = sale;
  renderSale();
}

async function fetchSale(saleId) {
  const sentAt = Date.now();
  const { sale } = await api(`/api/sales/${saleId}`);
  return { sale, offsetMs: Date.parse(sale.serverTime) - (sentAt + Date.now()) / 2 };
}

const live = connectLive({
  onConnection: setConnection,
  onSnapshot(sale, offsetMs) {
    if (sale.id !== state.sale?.id || sale.version < state.sale.version) return;
    acceptSale(sale, offsetMs);
    // Read the board again after every subscribe: buyers may have come while this page was not in the room.
    leaderboard.show(sale.id, sale.round);
    leaderboard.refresh();
  },
  onUpdate(update) {
    const sale = state.sale;
    if (!sale || update.saleId !== sale.id || update.version <= sale.version) return;
    const newRound = update.round !== sale.round;
    const { round, units, remaining, sold, status, version } = update;
    // Updates do not carry the next round's time: unknown until the sale is read again (below).
    const nextRoundAt = newRound ? undefined : sale.nextRoundAt;
    acceptSale({ ...sale, round, units, remaining, sold, status, version, nextRoundAt });
    // What was said about the last round (a limit, a refusal, a success) no longer holds.
    if (newRound && !state.buying) {
      state.buyKey = null;
      setMessage('');
    }
    renderSales();
    if (newRound && leaderboard.show(sale.id, round)) leaderboard.refresh();
    // A new round has a new start time and next round time, which updates do not carry.
    if (newRound)
      fetchSale(sale.id).then(
        ({ sale: fresh, offsetMs }) => {
          if (fresh.id === state.sale?.id && fresh.version >= state.sale.version) acceptSale(fresh, offsetMs);
        },
        () => undefined,
      );
  },
  onPurchases(batch) {
    leaderboard.add(batch.saleId, batch.round, batch.items);
  },
  onError(error) {
    setMessage(describeError(error, state.sale), 'error');
  },
});

async function selectSale(saleId) {
  const sale = state.sales.find((s) => s.id === saleId);
  if (!sale) return;
  state.sale = sale;
  state.buyKey = null;
  setMessage('');
  renderSales();
  renderSale();
  const url = new URL(location.href);
  url.searchParams.set('sale', saleId);
  history.replaceState(null, '', url);
  live.watch(saleId);
  if (leaderboard.show(sale.id, sale.round)) leaderboard.refresh();
  loadRegularPrice(sale.product.id);
}

async function loadSales() {
  try {
    const sentAt = Date.now();
    const { items } = await api('/api/sales');
    state.sales = items;
    if (items[0]) state.offsetMs = Date.parse(items[0].serverTime) - (sentAt + Date.now()) / 2;
    renderSales();
    const wanted = new URL(location.href).searchParams.get('sale');
    const pick =
      items.find((s) => s.id === wanted) ??
      items.find((s) => deriveStatus(s, serverNow()) !== 'sold_out') ??
      items[0];
    if (pick) await selectSale(pick.id);
  } catch (error) {
    setMessage(describeError(error), 'error');
    $('sales').setAttribute('aria-busy', 'false');
  }
}

// ---- buying and signing in

async function buy() {
  const sale = state.sale;
  if (!sale || state.buying) return;
  if (!state.auth) {
    state.buyAfterAuth = true;
    setMessage('Log in or register below to buy.', 'info');
    $('email').focus();
    return;
  }
  const quantity = sale.perOrderLimit > 1 ? Number($('quantity').value) || 1 : 1;
  state.buyKey ??= crypto.randomUUID();
  state.buying = true;
  renderClock();
  try {
    const { purchase, remaining } = await api(`/api/sales/${sale.id}/purchases`, {
      method: 'POST',
      token: state.auth.token,
      headers: { 'Idempotency-Key': state.buyKey },
      body: { quantity },
    });
    state.buyKey = null;
    setMessage(`You got it! You are #${purchase.position} in round ${purchase.round}.`, 'ok');
    // Stock only falls within a round, so a lower count from our own purchase is safe to show at once.
    if (
      state.sale?.id === sale.id &&
      purchase.round === state.sale.round &&
      remaining < state.sale.remaining
    ) {
      acceptSale({ ...state.sale, remaining, sold: state.sale.units - remaining });
    }
    const { user } = state.auth ?? {};
    if (user) {
      const item = { position: purchase.position, user: { id: user.id, name: user.name } };
      leaderboard.add(sale.id, purchase.round, [
        { ...item, quantity: purchase.quantity, purchasedAt: purchase.purchasedAt },
      ]);
    }
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'NETWORK') state.buyKey = null;
    if (error.code === 'UNAUTHENTICATED') signOut();
    if (error.code === 'SALE_NOT_STARTED') showOpensIn(sale);
    else if (error.code === 'USER_LIMIT_REACHED') setMessage(await describeLimit(error, sale), 'error');
    else setMessage(describeError(error, sale), 'error');
  } finally {
    state.buying = false;
    renderClock();
  }
}

/** The limit refusal, with how many more this buyer may take when the answer does not say how many they have. */
async function describeLimit(error, sale) {
  if (typeof error.details?.purchased !== 'number' && state.auth) {
    try {
      const { items } = await api('/api/users/me/purchases', { token: state.auth.token });
      const purchased = items
        .filter((p) => p.saleId === sale.id && p.round === sale.round)
        .reduce((sum, p) => sum + p.quantity, 0);
      error.details = { ...error.details, purchased };
    } catch {
      // The plain refusal is still right.
    }
  }
  return describeError(error, sale);
}

async function authenticate(event) {
  event.preventDefault();
  const form = $('auth-form');
  const mode = form.elements.mode.value;
  const body = { email: $('email').value.trim(), password: $('password').value };
  if (mode === 'register') body.name = $('name').value.trim();
  const submit = $('auth-submit');
  submit.disabled = true;
  try {
    const answer = await api(`/api/auth/${mode}`, { method: 'POST', body });
    state.auth = { token: answer.token, user: answer.user };
    session.save(state.auth);
    $('password').value = '';
    renderAccount();
    setMessage(`Welcome, ${answer.user.name}.`, 'ok');
    if (state.buyAfterAuth) {
      state.buyAfterAuth = false;
      $('buy').focus();
      await buy();
    }
  } catch (error) {
    setMessage(describeError(error, state.sale), 'error');
  } finally {
    submit.disabled = false;
  }
}

function signOut() {
  state.auth = null;
  session.clear();
  renderAccount();
}

function onModeChange() {
  const register = $('auth-form').elements.mode.value === 'register';
  $('name-field').hidden = !register;
  $('name').required = register;
  $('password').autocomplete = register ? 'new-password' : 'current-password';
  $('auth-submit').textContent = register ? 'Create account' : 'Log in';
}

$('buy-form').addEventListener('submit', (event) => {
  event.preventDefault();
  buy();
});
$('auth-form').addEventListener('submit', authenticate);
$('auth-form').addEventListener('change', onModeChange);
$('leaderboard-more').addEventListener('click', () => leaderboard.more());
$('sign-out').addEventListener('click', () => {
  signOut();
  setMessage('Signed out.', 'info');
});

setInterval(renderClock, 250);
renderAccount();
loadSales();
