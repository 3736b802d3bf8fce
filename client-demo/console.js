// The operator console: loaded only for an admin. It is a convenience, not a gate: every action is an API call
// that the server authorises and validates, and every refusal is shown with its code.
import { ApiError } from './api.js';
import { SaleRate, renderFigures } from './console-figures.js';

const MARKUP = `
  <div class="console-head">
    <h2 id="console-title" class="eyebrow">Operator console</h2>
    <span class="muted console-who"></span>
  </div>

  <section class="console-part" aria-labelledby="figures-title">
    <h3 id="figures-title">Live figures</h3>
    <dl class="figures">
      <div><dt>Sale</dt><dd data-figure="sale">–</dd></div>
      <div><dt>Status</dt><dd data-figure="status">–</dd></div>
      <div><dt>Remaining</dt><dd data-figure="remaining">–</dd></div>
      <div><dt>Sold</dt><dd data-figure="sold">–</dd></div>
      <div><dt>Sold / s</dt><dd data-figure="rate">–</dd></div>
      <div><dt>Version</dt><dd data-figure="version">–</dd></div>
    </dl>
  </section>

  <form class="console-part" id="round-form" novalidate>
    <h3>Open the next round</h3>
    <div class="console-grid">
      <label class="field"><span>Starts in (seconds)</span>
        <input name="startsIn" type="number" min="0" value="0" inputmode="numeric" /></label>
      <label class="field"><span>Units <small class="muted">(blank: same)</small></span>
        <input name="units" type="number" min="1" inputmode="numeric" /></label>
    </div>
    <label class="check"><input name="force" type="checkbox" /> Force: cut a live round short</label>
    <button type="submit" class="primary">Open round</button>
    <p class="console-msg" role="status" aria-live="polite"></p>
  </form>

  <form class="console-part" id="sale-form" novalidate>
    <h3>New sale</h3>
    <label class="field"><span>Product</span><select name="productId" required></select></label>
    <div class="console-grid">
      <label class="field"><span>Flash price <small class="muted currency"></small></span>
        <input name="price" inputmode="decimal" placeholder="49.00" required /></label>
      <label class="field"><span>Units per round</span>
        <input name="units" type="number" min="1" value="200" inputmode="numeric" /></label>
      <label class="field"><span>Starts in (seconds)</span>
        <input name="startsIn" type="number" min="0" value="60" inputmode="numeric" /></label>
      <label class="field"><span>or at <small class="muted">(your time)</small></span>
        <input name="startsAt" type="datetime-local" step="1" /></label>
      <label class="field"><span>Per order</span>
        <input name="perOrderLimit" type="number" min="1" value="1" inputmode="numeric" /></label>
      <label class="field"><span>Per buyer</span>
        <input name="perUserLimit" type="number" min="1" value="1" inputmode="numeric" /></label>
    </div>
    <label class="field"><span>Restart schedule <small class="muted">(cron, UTC; blank: none)</small></span>
      <input name="restartSchedule" placeholder="*/5 * * * *" autocomplete="off" /></label>
    <details>
      <summary>Promotion text</summary>
      <label class="field"><span>Name</span><input name="promoName" maxlength="200" /></label>
      <label class="field"><span>Description</span><input name="promoDescription" maxlength="2000" /></label>
    </details>
    <button type="submit" class="primary">Create sale</button>
    <p class="console-msg" role="status" aria-live="polite"></p>
  </form>

  <form class="console-part" id="product-form" novalidate>
    <h3>New product</h3>
    <label class="field"><span>Name</span><input name="name" maxlength="200" required /></label>
    <label class="field"><span>Description</span><input name="description" maxlength="5000" /></label>
    <div class="console-grid">
      <label class="field"><span>Regular price</span>
        <input name="price" inputmode="decimal" placeholder="120.00" required /></label>
      <label class="field"><span>Currency</span>
        <input name="currency" value="USD" maxlength="3" autocapitalize="characters" /></label>
    </div>
    <button type="submit" class="primary">Create product</button>
    <p class="console-msg" role="status" aria-live="polite"></p>
  </form>
`;

/** Digits after the decimal point of a currency (2 for USD, 0 for JPY); 2 when unknown. */
function fractionDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** "49.90" -> 4990 minor units; anything unreadable goes to the API as typed, which then says what is wrong. */
function toMinor(text, currency) {
  const trimmed = String(text).trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return trimmed;
  return Math.round(Number(trimmed) * 10 ** fractionDigits(currency));
}

/** A whole number from an input, or undefined when blank (the API applies its default). */
function optionalInt(value) {
  if (String(value).trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

/** What an operator needs to read in a refusal, per contract code. */
function explain(error, context) {
  switch (error.code) {
    case 'ROUND_IN_PROGRESS':
      return `Round ${error.details?.round ?? context.sale?.round ?? ''} is live and not sold out: tick Force to cut it short.`;
    case 'VALIDATION_ERROR': {
      const fields = Array.isArray(error.details) ? error.details.map((d) => d.message).join('; ') : '';
      return fields || error.message;
    }
    case 'FORBIDDEN':
      return 'The server says this account is not an admin.';
    case 'UNAUTHENTICATED':
      return 'Your session has expired: log in again.';
    case 'NOT_FOUND':
      return `No such ${context.what}.`;
    case 'RATE_LIMITED':
      return `Too many requests: retry in ${error.retryAfter ?? 'a few'} s.`;
    case 'NETWORK':
      return 'The server cannot be reached.';
    default:
      return error.message || 'The server refused.';
  }
}

/**
 * Mounts the console into `root`. `hooks`: api, getToken, getUser, serverNow, statusLabel(sale),
 * onSaleCreated(sale), onSaleChanged(sale), onUnauthenticated(). Returns {showSale(sale), destroy()}.
 */
export function mountConsole(root, hooks) {
  // Its styles come with it: a buyer's page never loads them.
  if (!document.querySelector('link[data-console]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL('./console.css', import.meta.url).href;
    link.dataset.console = '';
    document.head.append(link);
  }
  root.innerHTML = MARKUP;
  root.hidden = false;
  root.querySelector('.console-who').textContent = hooks.getUser()?.email ?? '';
  const rate = new SaleRate();
  const forms = {
    round: root.querySelector('#round-form'),
    sale: root.querySelector('#sale-form'),
    product: root.querySelector('#product-form'),
  };
  let sale = null;
  let products = [];

  const say = (form, text, tone, code) => {
    const out = form.querySelector('.console-msg');
    out.dataset.tone = tone;
    out.replaceChildren();
    if (code) {
      const tag = document.createElement('code');
      tag.textContent = code;
      out.append(tag, ' ');
    }
    out.append(text);
  };

  /** Runs one form's API call: busy button, then the answer or the refusal (with its code) under the form. */
  async function submit(form, what, call) {
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    say(form, 'Sending…', 'info');
    try {
      const text = await call();
      say(form, text, 'ok');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(form, explain(error, { sale, what }), 'error', error.code);
      if (error.code === 'UNAUTHENTICATED') hooks.onUnauthenticated();
    } finally {
      button.disabled = false;
    }
  }

  const call = (path, body) => hooks.api(path, { method: 'POST', token: hooks.getToken(), body });

  /** A start time on the server's clock: "in N seconds" unless a date is given. */
  function startsAtFrom(form) {
    const at = form.elements.startsAt?.value;
    if (at) return new Date(at).toISOString();
    const seconds = Number(form.elements.startsIn.value) || 0;
    // "Now" is aimed a second back so that the page's clock estimate cannot leave it scheduled.
    return new Date(hooks.serverNow() + (seconds > 0 ? seconds * 1000 : -1000)).toISOString();
  }

  function renderProducts(selectId) {
    const select = forms.sale.elements.productId;
    const keep = selectId ?? select.value;
    select.replaceChildren(
      ...products.map((p) => {
        const option = document.createElement('option');
        option.value = p.id;
        option.textContent = `${p.name} (${p.currency})`;
        return option;
      }),
    );
    if (products.some((p) => p.id === keep)) select.value = keep;
    const product = products.find((p) => p.id === select.value);
    forms.sale.querySelector('.currency').textContent = product ? product.currency : '';
  }

  async function loadProducts() {
    try {
      products = (await hooks.api('/api/products')).items;
      renderProducts();
    } catch (error) {
      say(forms.sale, explain(error, { what: 'product' }), 'error', error.code);
    }
  }

  forms.product.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = forms.product.elements;
    const currency = f.currency.value.trim().toUpperCase() || 'USD';
    submit(forms.product, 'product', async () => {
      const { product } = await call('/api/products', {
        name: f.name.value.trim(),
        description: f.description.value.trim(),
        price: toMinor(f.price.value, currency),
        currency,
      });
      products = [...products, product];
      renderProducts(product.id);
      forms.product.reset();
      return `Product "${product.name}" created: pick it in New sale.`;
    });
  });

  forms.sale.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = forms.sale.elements;
    const product = products.find((p) => p.id === f.productId.value);
    const promo = f.promoName.value.trim();
    submit(forms.sale, 'product', async () => {
      const { sale: created } = await call('/api/sales', {
        productId: f.productId.value,
        price: toMinor(f.price.value, product?.currency ?? 'USD'),
        units: optionalInt(f.units.value),
        startsAt: startsAtFrom(forms.sale),
        perOrderLimit: optionalInt(f.perOrderLimit.value),
        perUserLimit: optionalInt(f.perUserLimit.value),
        restartSchedule: f.restartSchedule.value.trim() || null,
        promoCondition: promo ? { name: promo, description: f.promoDescription.value.trim() } : null,
      });
      hooks.onSaleCreated(created);
      return `Sale created (${created.id}), ${created.units} units, ${hooks.statusLabel(created).toLowerCase()}.`;
    });
  });
  forms.sale.elements.productId.addEventListener('change', () => renderProducts());

  forms.round.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = forms.round.elements;
    submit(forms.round, 'sale', async () => {
      if (!sale) throw new ApiError('NOT_FOUND', 'No sale selected');
      const { sale: changed } = await call(`/api/sales/${sale.id}/rounds`, {
        startsAt: startsAtFrom(forms.round),
        units: optionalInt(f.units.value),
        force: f.force.checked,
      });
      f.force.checked = false;
      hooks.onSaleChanged(changed);
      return `Round ${changed.round} opened with ${changed.units} units.`;
    });
  });

  const figures = root.querySelector('.figures');
  const refresh = () => renderFigures(figures, sale, rate, sale ? hooks.statusLabel(sale) : '');
  // The rate must fall back to 0 when nothing sells, and the status follows the clock.
  const timer = setInterval(refresh, 1000);
  loadProducts();

  return {
    showSale(next) {
      sale = next;
      if (next) rate.observe(next);
      refresh();
    },
    destroy() {
      clearInterval(timer);
      root.replaceChildren();
      root.hidden = true;
    },
  };
}
