// The live leaderboard: a round's buyers in position order, read from the leaderboard route and kept up to date
// by `sale:purchases`. Both sources are merged by position, so an item seen twice is shown once.

const PAGE = 10;
const MAX_LIMIT = 100;
/** Pages read in one go at most, when filling gaps up to what is shown. */
const MAX_PAGES = 20;

/**
 * Mounts the board on its elements. `api(path, options)` calls the REST API; `currentUser()` is the signed-in
 * `{token, user}` or null, whose rows are highlighted and whose positions are said.
 */
export function createLeaderboard({ api, currentUser, elements }) {
  const { title, list, empty, more, you } = elements;
  let board = blank(null, 0);

  function blank(saleId, round) {
    return {
      saleId,
      round,
      /** position -> leaderboard item */
      items: new Map(),
      /** The route's cursor after `readUpTo`, or null when it had nothing more then. */
      cursor: null,
      readUpTo: 0,
      shown: PAGE,
      loaded: false,
      /** Reads under way. */
      loading: 0,
      /** Positions of the signed-in buyer in this round, from their own purchases. */
      mine: new Set(),
    };
  }

  /** Positions 1..n all known. */
  function knownPrefix() {
    let n = 0;
    while (board.items.has(n + 1)) n++;
    return n;
  }

  function merge(items) {
    for (const item of items) board.items.set(item.position, item);
  }

  /** Reads one page (from the top without a cursor) and merges it; stops at a board that was replaced. */
  async function readPage(current, limit, cursor) {
    const query = cursor
      ? `limit=${limit}&cursor=${encodeURIComponent(cursor)}`
      : `round=${current.round}&limit=${limit}`;
    const page = await api(`/api/sales/${current.saleId}/leaderboard?${query}`);
    if (current !== board || page.round !== current.round) return false;
    merge(page.items);
    current.cursor = page.nextCursor;
    current.readUpTo = page.items.at(-1)?.position ?? (cursor ? current.readUpTo : 0);
    current.loaded = true;
    return true;
  }

  /** Reads pages after the last one read until every shown position is known or the route has no more. */
  async function fill(current) {
    for (let pages = 0; pages < MAX_PAGES && current.cursor && knownPrefix() < current.shown; pages++) {
      const limit = Math.min(MAX_LIMIT, Math.max(1, current.shown - current.readUpTo));
      if (!(await readPage(current, limit, current.cursor))) return;
    }
  }

  async function loadMine(current) {
    const auth = currentUser();
    current.mine = new Set();
    if (!auth) return;
    try {
      const { items } = await api('/api/users/me/purchases', { token: auth.token });
      if (current !== board || currentUser() !== auth) return;
      current.mine = new Set(
        items.filter((p) => p.saleId === current.saleId && p.round === current.round).map((p) => p.position),
      );
    } catch {
      // The rows on the board still show the buyer's own positions.
    }
  }

  function row(item, userId) {
    const li = document.createElement('li');
    const pos = document.createElement('span');
    pos.className = 'pos';
    pos.textContent = `#${item.position}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = item.user.name;
    const qty = document.createElement('span');
    qty.className = 'muted';
    qty.textContent = `×${item.quantity}`;
    if (item.user.id === userId) {
      li.dataset.mine = 'true';
      li.setAttribute('aria-current', 'true');
      const tag = document.createElement('span');
      tag.className = 'you-tag';
      tag.textContent = 'you';
      who.append(' ', tag);
    }
    li.append(pos, who, qty);
    return li;
  }

  function render() {
    const userId = currentUser()?.user?.id;
    const sorted = [...board.items.values()].sort((a, b) => a.position - b.position);
    title.textContent = board.round ? `First buyers · round ${board.round}` : 'First buyers';
    list.replaceChildren(...sorted.slice(0, board.shown).map((item) => row(item, userId)));
    list.setAttribute('aria-busy', String(board.loading > 0));
    empty.hidden = !board.loaded || sorted.length > 0;
    more.hidden = sorted.length <= board.shown && !board.cursor;
    more.disabled = board.loading > 0;
    more.textContent = board.loading > 0 ? 'Loading…' : 'More buyers';
    const positions = new Set(board.mine);
    for (const item of sorted) if (item.user.id === userId) positions.add(item.position);
    const mine = [...positions].sort((a, b) => a - b).map((p) => `#${p}`);
    you.hidden = !userId || mine.length === 0;
    you.textContent = mine.length ? `Your position in round ${board.round}: ${mine.join(', ')}` : '';
  }

  /** Runs a read of the current board, showing it as loading meanwhile; a failed read leaves what is known. */
  async function load(work) {
    const current = board;
    current.loading++;
    render();
    try {
      await work(current);
    } catch {
      // The next snapshot (reconnect, new round) reads again; the live items keep coming meanwhile.
    } finally {
      current.loading--;
      if (current === board) render();
    }
  }

  /** Reads the board again from the top (after a subscribe: live items may have been missed while away). */
  function refresh() {
    if (!board.saleId) return Promise.resolve();
    return load(async (current) => {
      await Promise.all([readPage(current, Math.min(MAX_LIMIT, current.shown), null), loadMine(current)]);
      await fill(current);
    });
  }

  return {
    refresh,

    /** Shows the board of this sale and round; returns true when it replaced the one shown (then call refresh). */
    show(saleId, round) {
      if (board.saleId === saleId && board.round === round) return false;
      board = blank(saleId, round);
      render();
      return true;
    },

    /** New buyers of a round (from `sale:purchases` or this buyer's own purchase answer). */
    add(saleId, round, items) {
      if (saleId !== board.saleId || round < board.round) return;
      if (round > board.round) {
        board = blank(saleId, round);
        refresh();
      }
      merge(items);
      render();
    },

    /** The "More buyers" button: shows the next page, reading it from the route where it is not known yet. */
    more() {
      board.shown += PAGE;
      render();
      return load(fill);
    },

    /** Someone signed in or out: their rows and positions change. */
    userChanged() {
      render();
      if (board.saleId) load(loadMine);
    },
  };
}
