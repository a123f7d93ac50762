// Keel's end-to-end scenario: the real desktop app under Xvfb, driven through tauri-driver and
// WebKitWebDriver, its tray through dbusmenu and its window through X11. One app session for
// steps a-f, a second one on the same data directory for g. Run through tests/e2e/run.sh.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  App,
  byTestId,
  click,
  config,
  mainWindow,
  numberIn,
  requestClose,
  saveText,
  screenshot,
  screenshotScreen,
  sleep,
  typeInto,
  waitFor,
  waitForText,
} from './lib/harness.js';
import { clickItem, findTrayMenu, menuItems } from './lib/tray.js';

const SYMBOL = 'BTC/USDT';
const CSV_HEADER = 'time_utc,venue,account,symbol,side,price,quantity,quote_amount,fee,fee_asset,order_id,trade_id';
const MAIN_SCREENS = ['bots', 'backtest', 'accounts', 'logs', 'settings'];

/** @type {App|null} */
let app = null;
/** The fill of step b. @type {any} */
let boughtFill = null;
/** data-testid hooks the UI did not have (reported, not fatal where the brief allows). */
const missingHooks = new Set();

/** @returns {App} */
function current() {
  if (!app) throw new Error('no running app (an earlier step failed to start it)');
  return app;
}

/**
 * A named step; on failure it saves a screenshot and the page source next to the others.
 * @param {string} name @param {(t: import('node:test').TestContext) => Promise<void>} fn
 * @param {number} [timeout]
 */
function step(name, fn, timeout = 120_000) {
  test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
      try {
        await screenshot(app?.session ?? null, `FAILED-${slug}`);
        if (app) saveText(`FAILED-${slug}.html`, await app.session.source());
      } catch {
        // the app may be gone; the error below is what matters
      }
      throw e;
    }
  });
}

/**
 * Clicks nav-<name> and waits for page-<name>. A missing page hook is noted, not fatal.
 * @param {import('./lib/webdriver.js').Session} s @param {string} name
 */
async function goto(s, name) {
  await click(s, `nav-${name}`);
  try {
    await byTestId(s, `page-${name}`, 10_000);
    return true;
  } catch {
    missingHooks.add(`page-${name}`);
    return false;
  }
}

/** @param {import('./lib/webdriver.js').Session} s @returns {Promise<any[]>} */
const listFills = (s) => s.invoke('list_fills', { filter: {} });
/** @param {import('./lib/webdriver.js').Session} s @returns {Promise<any[]>} */
const openOrders = (s) => s.invoke('list_open_orders', { accountId: 'demo' });

/** @param {import('./lib/webdriver.js').Session} s */
async function lastPrice(s) {
  const el = await s.byTestId('last-price');
  return el ? numberIn(await el.text()) : null;
}

/** @param {import('./lib/webdriver.js').Session} s @returns {Promise<any>} */
async function newestTrade(s) {
  const trades = await s.invoke('get_recent_trades', { accountId: 'demo', symbol: SYMBOL, limit: 1 });
  return trades.reduce((a, b) => (!a || b.id > a.id ? b : a), null);
}

/**
 * Fills the order ticket for a market buy in base units and submits it.
 * @param {import('./lib/webdriver.js').Session} s @param {string} qty
 */
async function ticketMarketBuy(s, qty) {
  await click(s, 'ticket-buy');
  await click(s, 'ticket-kind-market');
  await click(s, 'ticket-unit-base');
  await typeInto(s, 'ticket-qty', qty);
  const submit = await byTestId(s, 'ticket-submit');
  await submit.click().catch(() => {}); // a disabled button may refuse the click: that is fine
}

after(async () => {
  if (app) await app.stop();
  if (missingHooks.size) saveText('missing-testids.txt', [...missingHooks].join('\n') + '\n');
});

step('a. the app opens on a live dashboard', async (t) => {
  app = await App.start((m) => t.diagnostic(m));
  const s = app.session;
  await byTestId(s, 'page-dashboard', 60_000);
  const first = await waitFor(() => lastPrice(s), { timeout: 30_000, what: 'a number in last-price' });
  const changed = await waitFor(
    async () => {
      const p = await lastPrice(s);
      return p !== null && p !== first ? p : null;
    },
    { timeout: 15_000, interval: 200, what: `last-price to move from ${first}` },
  );
  t.diagnostic(`last price moved ${first} -> ${changed}`);
  await screenshot(s, 'dashboard');
});

step('b. a market buy of 0.001 BTC/USDT from the order ticket fills', async (t) => {
  const s = current().session;
  const before = await listFills(s);
  await goto(s, 'markets');
  await ticketMarketBuy(s, '0.001');
  const [, toast] = await waitForText(s, '[data-testid="toast"]', /fill|bought/i, 15_000);
  t.diagnostic(`toast: ${toast}`);
  const fills = await waitFor(
    async () => {
      const now = await listFills(s);
      return now.length > before.length ? now : null;
    },
    { timeout: 10_000, what: 'a new fill in list_fills' },
  );
  const known = new Set(before.map((f) => `${f.venueOrderId}/${f.tradeId}`));
  const added = fills.filter((f) => !known.has(`${f.venueOrderId}/${f.tradeId}`));
  boughtFill = added.find((f) => f.symbol === SYMBOL && f.side === 'buy');
  assert.ok(boughtFill, `no BTC/USDT buy among the new fills: ${JSON.stringify(added)}`);
  const qty = added.filter((f) => f.venueOrderId === boughtFill.venueOrderId).reduce((a, f) => a + Number(f.qty), 0);
  assert.ok(Math.abs(qty - 0.001) < 1e-12, `the order filled ${qty} BTC, not 0.001`);
  assert.match(toast, /BTC|0\.001/, 'the toast should say what filled');
  await screenshot(s, 'markets');
});

step('c. an order below the minimum quantity is refused in the ticket', async (t) => {
  const s = current().session;
  const fillsBefore = (await listFills(s)).length;
  const openBefore = (await openOrders(s)).length;
  await ticketMarketBuy(s, '0.000001');
  const [, msg] = await waitForText(s, '[data-testid="ticket-error-qty"]', /min/i, 10_000);
  t.diagnostic(`qty error: ${msg}`);
  // Nothing must reach the engine: give a wrongly sent order time to show up, then compare.
  await sleep(2_000);
  assert.equal((await listFills(s)).length, fillsBefore, 'a fill appeared for an invalid order');
  assert.equal((await openOrders(s)).length, openBefore, 'an open order appeared for an invalid order');
  await screenshot(s, 'markets-invalid-qty');
});

step('d. History lists the fill and exports it to CSV', async (t) => {
  const s = current().session;
  await goto(s, 'history');
  const [, row] = await waitForText(s, '[data-testid="fill-row"]', /BTC\/USDT[\s\S]*buy|buy[\s\S]*BTC\/USDT/i, 15_000);
  t.diagnostic(`fill row: ${row.replace(/\s+/g, ' ')}`);
  await screenshot(s, 'history');

  const out = path.join(config.artifacts, 'fills-export.csv');
  const result = await s.invoke('export_fills_csv', { filter: {}, path: out });
  t.diagnostic(`export: ${JSON.stringify(result)}`);
  assert.ok(existsSync(out), `export reported ${JSON.stringify(result)} but ${out} does not exist`);
  const lines = readFileSync(out, 'utf8').split(/\r?\n/).filter((l) => l.length);
  assert.equal(lines[0], CSV_HEADER);
  const rows = lines.slice(1).map((l) => l.split(','));
  const mine = rows.find(
    (r) => r[1] === 'demo' && r[2] === 'demo' && r[3] === SYMBOL && r[4] === 'buy' && Math.abs(Number(r[6]) - 0.001) < 1e-12,
  );
  assert.ok(mine, `no demo,demo,BTC/USDT,buy,...,0.001 row in:\n${lines.join('\n')}`);
  assert.ok(!Number.isNaN(Date.parse(mine[0])), `time_utc "${mine[0]}" is not a date`);
  if (boughtFill) assert.equal(mine[11], boughtFill.tradeId, 'trade_id should be the fill of step b');
});

step('e. every other main screen renders', async (t) => {
  const s = current().session;
  for (const name of MAIN_SCREENS) {
    const hasPage = await goto(s, name);
    const text = await s.execute('return document.body.innerText');
    assert.ok(String(text).trim().length > 0, `the ${name} screen is blank`);
    await screenshot(s, name);
    t.diagnostic(`${name}: ${hasPage ? 'page hook found' : `[data-testid=page-${name}] missing`}`);
  }
  // back to the dashboard for f1 (its last-price is watched there; optional)
  await goto(s, 'dashboard').catch(() => missingHooks.add('nav-dashboard'));
});

/** @type {import('./lib/tray.js').TrayMenu|null} */
let tray = null;

step('f1. closing the window keeps Keel running in the tray, trading on', async (t) => {
  const a = current();
  const s = a.session;
  const win = await waitFor(() => mainWindow(a.pid), { timeout: 10_000, what: 'the X11 window titled Keel' });
  assert.ok(win.viewable, 'the window should be visible before closing it');
  const trade0 = await waitFor(() => newestTrade(s), { timeout: 10_000, what: 'a recent BTC/USDT trade' });
  const price0 = await lastPrice(s);

  const sent = await requestClose(a.pid);
  assert.ok(sent >= 1, 'no window received WM_DELETE_WINDOW');
  await waitFor(async () => !(await mainWindow(a.pid))?.viewable, { timeout: 10_000, what: 'the window to hide' });
  await screenshotScreen('closed-to-tray');

  // Alive 3 s later, checked throughout (a crash on close would show as an early exit).
  const until = Date.now() + 3_000;
  while (Date.now() < until) {
    assert.ok(a.alive(), `the app exited after the close request (exit code ${a.exitCode()})`);
    await sleep(200);
  }
  const trade1 = await waitFor(
    async () => {
      const tr = await newestTrade(s);
      return tr && (tr.id > trade0.id || tr.tsMs > trade0.tsMs) ? tr : null;
    },
    { timeout: 15_000, what: `a BTC/USDT trade newer than #${trade0.id}` },
  );
  t.diagnostic(`market kept moving while hidden: trade #${trade0.id} -> #${trade1.id} (${trade1.price})`);
  const price1 = await waitFor(
    async () => {
      const p = await lastPrice(s);
      return p !== null && p !== price0 ? p : null;
    },
    { timeout: 15_000, what: 'the hidden page\'s last-price to move' },
  ).catch(() => null);
  t.diagnostic(price1 === null ? 'the hidden page did not update last-price (not required)' : `hidden page last-price ${price0} -> ${price1}`);
});

step('f2. the tray menu offers Show, Pause and Quit', async (t) => {
  const a = current();
  tray = await waitFor(() => findTrayMenu(a.pid), { timeout: 20_000, interval: 500, what: "Keel's dbusmenu on the session bus" });
  t.diagnostic(`tray menu at ${tray.dest} ${tray.path} (item ${tray.sniPath})`);
  const labels = (await menuItems(tray)).filter((i) => i.type !== 'separator' && i.visible).map((i) => i.label);
  for (const want of ['Show Keel', 'Pause all trading', 'Quit Keel']) {
    assert.ok(labels.includes(want), `tray menu lacks "${want}": ${JSON.stringify(labels)}`);
  }
});

step('f3. tray "Show Keel" brings the window back', async () => {
  const a = current();
  assert.ok(tray, 'no tray menu (f2 failed)');
  await clickItem(tray, 'Show Keel');
  await waitFor(async () => (await mainWindow(a.pid))?.viewable, { timeout: 10_000, what: 'the window to show again' });
  await byTestId(a.session, 'page-dashboard', 10_000);
  await screenshot(a.session, 'shown-from-tray');
});

step('f4. tray "Pause all trading" pauses and orders are refused', async (t) => {
  const a = current();
  const s = a.session;
  assert.ok(tray, 'no tray menu (f2 failed)');
  await clickItem(tray, 'Pause all trading');
  await byTestId(s, 'paused-pill', 10_000);
  const labels = (await menuItems(tray)).map((i) => i.label);
  t.diagnostic(`tray menu now: ${JSON.stringify(labels)}`);

  const fillsBefore = (await listFills(s)).length;
  await goto(s, 'markets');
  await byTestId(s, 'paused-pill', 5_000);
  await ticketMarketBuy(s, '0.001');
  const [, shown] = await waitForText(s, '[data-testid="toast"], [data-testid^="ticket-error"]', /pause/i, 10_000);
  t.diagnostic(`the ticket said: ${shown}`);
  await screenshot(s, 'paused-order-refused');
  await assert.rejects(
    s.invoke('place_order', {
      request: { accountId: 'demo', symbol: SYMBOL, side: 'buy', kind: 'market', price: null, amount: { unit: 'base', value: '0.001' } },
    }),
    (/** @type {any} */ e) => e.code === 'trading_paused',
    'place_order should fail with trading_paused',
  );
  await sleep(1_000);
  assert.equal((await listFills(s)).length, fillsBefore, 'an order filled while trading was paused');
});

step('f5. tray "Quit Keel" exits with code 0', async () => {
  const a = current();
  assert.ok(tray, 'no tray menu (f2 failed)');
  await clickItem(tray, 'Quit Keel').catch((e) => {
    // the app may leave the bus before it answers the click
    if (!/disconnect|NoReply|ServiceUnknown|closed/i.test(String(e))) throw e;
  });
  const code = await waitFor(() => (a.exitCode() === null ? null : { code: a.exitCode() }), {
    timeout: 10_000,
    interval: 100,
    what: 'the app to exit',
  });
  assert.equal(code.code, 0, `exit code ${code.code}`);
  assert.ok(!a.alive(), 'the process is still there');
  await a.stop(); // ends the WebDriver session of the app that quit
  app = null;
});

step('g. after a restart on the same data directory, History still shows the fill', async (t) => {
  if (app) {
    // f5 failed and left the first app running: end it, or the single-instance guard would
    // hand the new launch over to it.
    const old = app;
    app = null;
    await old.stop();
    await waitFor(() => !old.alive(), { timeout: 15_000, what: 'the first app to exit' });
  }
  app = await App.start((m) => t.diagnostic(m));
  const s = app.session;
  await byTestId(s, 'page-dashboard', 60_000);
  await goto(s, 'history');
  const [, row] = await waitForText(s, '[data-testid="fill-row"]', /BTC\/USDT[\s\S]*buy|buy[\s\S]*BTC\/USDT/i, 20_000);
  t.diagnostic(`fill row after restart: ${row.replace(/\s+/g, ' ')}`);
  if (boughtFill) {
    const fills = await listFills(s);
    assert.ok(
      fills.some((f) => f.tradeId === boughtFill.tradeId && f.venueOrderId === boughtFill.venueOrderId),
      'the fill of step b is not in list_fills after the restart',
    );
  }
  const info = await s.invoke('app_info');
  t.diagnostic(`after restart: dataDir=${info.dataDir} tradingPaused=${info.tradingPaused}`);
  assert.equal(path.resolve(info.dataDir), path.resolve(config.dataDir), 'the app did not use KEEL_DATA_DIR');
  await screenshot(s, 'history-after-restart');
});
