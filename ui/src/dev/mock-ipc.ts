// DEV ONLY: an in-browser stand-in for the Rust engine, so the UI can be previewed without Tauri.
// Loaded only when VITE_MOCK_IPC=1 (`npm run dev:mock`); a normal build drops it entirely.
// Floats are fine here: this is a toy market, not the app's money path.

import type { Channel } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AccountEvent,
  AccountView,
  AppError,
  AuditView,
  Candle,
  Fill,
  FillFilter,
  Instrument,
  MarketBatch,
  OrderBook,
  OrderRecord,
  NewAccountRequest,
  PlaceOrderRequest,
  Position,
  SecurityView,
  Trade,
  UpdateAccountRequest,
} from '../ipc/bindings';

const ACCOUNT = 'demo';
const FEE = 0.001;
const MINUTE = 60_000;

const instruments: Instrument[] = [
  { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', stepSize: '0.00001', minQty: '0.00001', maxQty: '9000', minNotional: '5' },
  { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tickSize: '0.01', stepSize: '0.0001', minQty: '0.0001', maxQty: '90000', minNotional: '5' },
  { symbol: 'SOL/USDT', base: 'SOL', quote: 'USDT', tickSize: '0.01', stepSize: '0.001', minQty: '0.001', maxQty: '900000', minNotional: '5' },
];

interface Market {
  inst: Instrument;
  price: number;
  vol: number;
  candles: Candle[];
  trades: Trade[];
  pending: Trade[];
}

const PLAIN = { stopPrice: null, timeInForce: 'gtc', reduceOnly: false, closePosition: false, positionSide: 'both' } as const;

// Accounts, the secret store and the app lock. `?lock` in the URL starts locked (password
// "keel-demo"); `?vault` pretends there is no keychain.
const params = new URLSearchParams(window.location.search);
let appPassword: string | null = params.has('lock') ? 'keel-demo' : null;
const securityState: SecurityView = {
  secretStore: params.has('vault') ? 'vault_file' : 'keychain',
  keychainError: params.has('vault') ? 'org.freedesktop.secrets was not provided by any .service files' : null,
  vaultFileExists: false,
  vaultUnlocked: false,
  appLockEnabled: appPassword !== null,
  appLocked: appPassword !== null,
};
const connected = (weightUsed: number | null = null, weightLimit: number | null = null, clockOffsetMs: number | null = null) => ({
  state: 'connected',
  detail: null,
  weightUsed,
  weightLimit,
  clockOffsetMs,
});
const accounts: AccountView[] = [
  { id: ACCOUNT, venue: 'demo', market: 'spot', label: 'Demo exchange', testnet: false, proxy: null, apiKeyHint: null, secretStore: 'none', live: true, permissions: null, warnings: [], connection: connected() },
  {
    id: 'binance1', venue: 'binance', market: 'spot', label: 'Binance spot', testnet: false, proxy: null, apiKeyHint: '…h8A9', secretStore: 'keychain', live: false,
    permissions: { canRead: true, canTradeSpot: true, canTradeFutures: false, canWithdraw: false, ipRestricted: true },
    warnings: [], connection: connected(120, 6000, -14),
  },
  {
    id: 'binance2', venue: 'binance', market: 'futures', label: 'Binance futures', testnet: true, proxy: 'socks5://127.0.0.1:1080', apiKeyHint: '…Qz3k', secretStore: 'keychain', live: true,
    permissions: { canRead: true, canTradeSpot: false, canTradeFutures: true, canWithdraw: false, ipRestricted: false },
    warnings: [
      "This API key works from any IP address. Restrict it to your IP in the exchange's API management to limit the damage if it leaks.",
      "Testnet: orders go to Binance's test exchange, not real funds.",
    ],
    connection: connected(310, 2400, 37),
  },
  {
    id: 'binance3', venue: 'binance', market: 'spot', label: 'Binance sub-account', testnet: false, proxy: 'http://10.0.0.2:3128', apiKeyHint: '…p0Lw', secretStore: 'keychain', live: false,
    permissions: { canRead: true, canTradeSpot: false, canTradeFutures: false, canWithdraw: false, ipRestricted: true },
    warnings: ['This key is read-only for spot: Keel can show balances and markets but cannot place orders.'],
    connection: { state: 'reconnecting', detail: 'attempt 3: connection reset by peer (api.binance.com)', weightUsed: null, weightLimit: null, clockOffsetMs: null },
  },
];
const audit: AuditView[] = [];
let nextAccount = 4;
const positions: Position[] = [];

const accountOf = (id: unknown): AccountView => accounts.find((a) => a.id === id) ?? fail('unknown_account', `No account ${String(id)}`);
const isFutures = (id: unknown): boolean => accounts.find((a) => a.id === id)?.market === 'futures';

function logSecret(accountId: string, action: string, purpose: string): void {
  audit.unshift({ accountId, tsMs: Date.now(), action, purpose });
}

function ensureUnlocked(): void {
  if (securityState.appLocked) fail('app_locked', 'Keel is locked. Enter the app password to continue.');
}

function delayed<T>(ms: number, fn: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(fn());
      } catch (e) {
        reject(e);
      }
    }, ms),
  );
}

function checkKey(apiKey: string, venue: string, market: string): AccountView['permissions'] {
  if (/withdraw/i.test(apiKey)) fail('key_can_withdraw', 'This API key can withdraw funds. Keel only accepts keys without withdrawal permission.');
  if (apiKey.length < 8) fail('key_invalid', 'API-key format invalid (Binance code -2014)');
  if (securityState.secretStore !== 'keychain' && !securityState.vaultUnlocked) {
    fail('secrets_unavailable', 'No place to keep the key: there is no keychain and the vault file is not unlocked.');
  }
  if (/unreachable/i.test(apiKey)) fail('venue_unavailable', `${venue} ${market} did not answer within 20 s`);
  return { canRead: true, canTradeSpot: market === 'spot', canTradeFutures: market === 'futures', canWithdraw: false, ipRestricted: !/open/i.test(apiKey) };
}

function addAccount(req: NewAccountRequest): AccountView {
  ensureUnlocked();
  if (req.proxy && !/^(https?|socks5h?):\/\/\S+$/.test(req.proxy)) fail('invalid_input', `Proxy "${req.proxy}" is not valid: use http://host:port or socks5://host:port`);
  const permissions = checkKey(req.apiKey, req.venue, req.market);
  const id = `${req.venue}${nextAccount++}`;
  const view: AccountView = {
    id, venue: req.venue, market: req.market, label: req.label, testnet: req.testnet, proxy: req.proxy, apiKeyHint: `…${req.apiKey.slice(-4)}`,
    secretStore: securityState.secretStore === 'keychain' ? 'keychain' : 'vault_file', live: false, permissions,
    warnings: permissions?.ipRestricted ? [] : ["This API key works from any IP address. Restrict it to your IP in the exchange's API management to limit the damage if it leaks."],
    connection: connected(20, req.market === 'futures' ? 2400 : 6000, 5),
  };
  accounts.push(view);
  logSecret(id, 'store', 'add account');
  logSecret(id, 'read', 'connect');
  return view;
}

function updateAccount(req: UpdateAccountRequest): AccountView {
  ensureUnlocked();
  const a = accountOf(req.id);
  if (a.venue === 'demo') fail('invalid_input', 'The Demo exchange cannot be edited');
  if (req.apiKey !== null && req.secret !== null) {
    a.permissions = checkKey(req.apiKey, a.venue, a.market);
    a.apiKeyHint = `…${req.apiKey.slice(-4)}`;
    logSecret(a.id, 'store', 'replace key');
  }
  a.label = req.label;
  a.testnet = req.testnet;
  a.proxy = req.proxy;
  logSecret(a.id, 'read', 'reconnect');
  return { ...a };
}

function removeAccount(id: string): null {
  ensureUnlocked();
  const a = accountOf(id);
  if (a.venue === 'demo') fail('invalid_input', 'The Demo exchange cannot be removed');
  const open = orders.filter((o) => o.accountId === id && o.status === 'open').length;
  if (open > 0) fail('has_open_orders', `${a.label} has ${open} open order${open === 1 ? '' : 's'}.`);
  accounts.splice(accounts.indexOf(a), 1);
  logSecret(id, 'delete', 'remove account');
  return null;
}

function setLive(id: string, live: boolean, password: string | null): AccountView {
  ensureUnlocked();
  const a = accountOf(id);
  if (live && appPassword !== null) {
    if (password === null) fail('wrong_password', 'Enter the app password to switch an account to live trading');
    if (password !== appPassword) fail('wrong_password', 'Wrong app password');
  }
  a.live = live;
  return { ...a };
}

function setAppLock(current: string | null, next: string | null): SecurityView {
  ensureUnlocked();
  if (appPassword !== null && current !== appPassword) fail('wrong_password', 'Wrong app password');
  if (next !== null && next.length < 8) fail('invalid_input', 'Use an app password of at least 8 characters');
  appPassword = next;
  securityState.appLockEnabled = next !== null;
  return { ...securityState };
}

function seedPositions(): void {
  const btc = markets.get('BTC/USDT');
  const eth = markets.get('ETH/USDT');
  if (btc) positions.push({ symbol: 'BTC/USDT', positionSide: 'both', qty: '0.015', entryPrice: p2(btc.price * 0.992), markPrice: p2(btc.price), unrealizedPnl: '0', leverage: 10, marginType: 'cross', liquidationPrice: p2(btc.price * 0.9), updatedMs: Date.now() });
  if (eth) positions.push({ symbol: 'ETH/USDT', positionSide: 'both', qty: '-0.40', entryPrice: p2(eth.price * 0.996), markPrice: p2(eth.price), unrealizedPnl: '0', leverage: 5, marginType: 'isolated', liquidationPrice: p2(eth.price * 1.18), updatedMs: Date.now() });
}

function tickPositions(): void {
  for (const pos of positions) {
    const m = markets.get(pos.symbol);
    if (!m) continue;
    pos.markPrice = p2(m.price);
    pos.unrealizedPnl = ((m.price - Number(pos.entryPrice)) * Number(pos.qty)).toFixed(2);
    pos.updatedMs = Date.now();
  }
  emitAccount({ kind: 'positions', accountId: 'binance2', positions: positions.map((p) => ({ ...p })) });
  for (const a of accounts) {
    if (a.connection.weightLimit !== null && a.connection.state === 'connected') {
      a.connection = { ...a.connection, weightUsed: Math.max(1, Math.round((a.connection.weightUsed ?? 0) * 0.8 + rand(0, 120))) };
    }
  }
}

const markets = new Map<string, Market>();
const balances = new Map<string, number>([
  ['USDT', 10_000],
  ['BTC', 0.05],
  ['ETH', 1.2],
  ['SOL', 14],
]);
const locked = new Map<string, number>();
const orders: OrderRecord[] = [];
const fills: Fill[] = [];
const marketSubs = new Map<number, { symbol: string; futures: boolean; channel: Channel<MarketBatch> }>();
const accountSubs = new Map<number, Channel<AccountEvent>>();
let nextSub = 1;
let nextOrder = 1;
let nextTrade = 1;
let paused = false;

const p2 = (x: number) => x.toFixed(2);
const qtyText = (inst: Instrument, q: number) => q.toFixed((inst.stepSize.split('.')[1] ?? '').length);
const rand = (a: number, b: number) => a + Math.random() * (b - a);
const fail = (code: AppError['code'], message: string): never => {
  throw { code, message } satisfies AppError;
};

function seedMarket(inst: Instrument, start: number, vol: number): void {
  const now = Date.now();
  const candles: Candle[] = [];
  let price = start;
  const first = Math.floor(now / MINUTE) * MINUTE - 719 * MINUTE;
  for (let k = 0; k < 720; k++) {
    const open = price;
    let high = open;
    let low = open;
    for (let s = 0; s < 6; s++) {
      price *= 1 + rand(-vol, vol);
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    candles.push({ openTimeMs: first + k * MINUTE, open: p2(open), high: p2(high), low: p2(low), close: p2(price), volume: rand(1, 20).toFixed(3) });
  }
  markets.set(inst.symbol, { inst, price, vol, candles, trades: [], pending: [] });
}

function book(m: Market, depth: number): OrderBook {
  const tick = 0.01;
  const half = Math.max(tick, Math.round((m.price * 0.00005) / tick) * tick);
  const bids = [];
  const asks = [];
  const size = () => qtyText(m.inst, rand(0.05, 2.5) * (m.inst.base === 'BTC' ? 0.4 : m.inst.base === 'ETH' ? 4 : 60));
  let bid = m.price - half;
  let ask = m.price + half;
  for (let k = 0; k < depth; k++) {
    bids.push({ price: p2(bid), qty: size() });
    asks.push({ price: p2(ask), qty: size() });
    bid -= half * rand(1, 2.5);
    ask += half * rand(1, 2.5);
  }
  return { bids, asks, tsMs: Date.now() };
}

function step(m: Market): void {
  const now = Date.now();
  m.price *= 1 + rand(-m.vol, m.vol) * 0.6;
  const count = Math.floor(rand(0, 4));
  for (let k = 0; k < count; k++) {
    const t: Trade = { id: nextTrade++, tsMs: now, price: p2(m.price * (1 + rand(-0.00003, 0.00003))), qty: qtyText(m.inst, rand(0.001, 0.4) * (m.inst.base === 'BTC' ? 1 : m.inst.base === 'ETH' ? 10 : 100)), takerSide: Math.random() < 0.5 ? 'buy' : 'sell' };
    m.pending.push(t);
    m.trades.unshift(t);
  }
  m.trades.length = Math.min(m.trades.length, 200);
  const openTime = Math.floor(now / MINUTE) * MINUTE;
  const last = m.candles[m.candles.length - 1];
  const price = p2(m.price);
  if (!last || last.openTimeMs < openTime) {
    m.candles.push({ openTimeMs: openTime, open: last?.close ?? price, high: price, low: price, close: price, volume: '0' });
  } else {
    last.close = price;
    if (m.price > Number(last.high)) last.high = price;
    if (m.price < Number(last.low)) last.low = price;
    last.volume = (Number(last.volume) + rand(0, 0.5)).toFixed(3);
  }
  matchResting(m);
}

function emitAccount(e: AccountEvent): void {
  for (const ch of accountSubs.values()) ch.onmessage(e);
}

function free(asset: string): number {
  return balances.get(asset) ?? 0;
}

function fillOrder(o: OrderRecord, m: Market, price: number, qty: number): void {
  const quote = price * qty;
  const fee = quote * FEE;
  const [b, q] = [m.inst.base, m.inst.quote];
  if (o.side === 'buy') {
    balances.set(b, free(b) + qty);
    balances.set(q, free(q) - quote - fee);
  } else {
    balances.set(b, free(b) - qty);
    balances.set(q, free(q) + quote - fee);
  }
  o.filledQty = qtyText(m.inst, qty);
  o.filledQuote = quote.toFixed(8);
  o.status = 'filled';
  o.updatedMs = Date.now();
  const fill: Fill = { venue: 'demo', accountId: ACCOUNT, symbol: o.symbol, side: o.side, price: p2(price), qty: o.filledQty, quoteQty: quote.toFixed(8), fee: fee.toFixed(8), feeAsset: q, venueOrderId: `D${o.id}`, clientOrderId: o.clientOrderId, tradeId: `T${nextTrade++}`, isMaker: o.kind === 'limit', tsMs: Date.now() };
  fills.unshift(fill);
  emitAccount({ kind: 'fill', fill });
  emitAccount({ kind: 'order', order: { ...o } });
  emitAccount({ kind: 'balances', accountId: ACCOUNT });
}

function matchResting(m: Market): void {
  for (const o of orders) {
    if (o.symbol !== m.inst.symbol || o.status !== 'open' || o.price === null) continue;
    const limit = Number(o.price);
    if ((o.side === 'buy' && m.price <= limit) || (o.side === 'sell' && m.price >= limit)) {
      const asset = o.side === 'buy' ? m.inst.quote : m.inst.base;
      locked.set(asset, (locked.get(asset) ?? 0) - (o.side === 'buy' ? limit * Number(o.amount.value) : Number(o.amount.value)));
      fillOrder(o, m, limit, Number(o.amount.value));
    }
  }
}

function place(req: PlaceOrderRequest): OrderRecord {
  ensureUnlocked();
  if (paused) fail('trading_paused', 'Trading is paused. Resume it from the top bar or the tray menu to place orders.');
  const account = accountOf(req.accountId);
  if (!account.live) fail('account_not_live', `${account.label} is read-only. Switch it to live trading on the Accounts page to place orders.`);
  if (req.accountId !== ACCOUNT || (req.kind !== 'market' && req.kind !== 'limit')) {
    // Real-venue accounts and conditional kinds: the order rests (no simulated matching).
    const now = Date.now();
    const o: OrderRecord = { id: nextOrder++, accountId: req.accountId, venue: account.venue, clientOrderId: `km${String(nextOrder).padStart(12, '0')}`, venueOrderId: `B${nextOrder}`, symbol: req.symbol, side: req.side, kind: req.kind, price: req.price, amount: req.amount, filledQty: '0', filledQuote: '0', status: 'open', reason: null, createdMs: now, updatedMs: now, options: req.options ?? { ...PLAIN } };
    orders.push(o);
    logSecret(req.accountId, 'sign', 'place order');
    emitAccount({ kind: 'order', order: { ...o } });
    return { ...o };
  }
  const m = markets.get(req.symbol) ?? fail('unknown_symbol', `Unknown symbol ${req.symbol}`);
  const inst = m.inst;
  const price = req.kind === 'limit' ? Number(req.price) : m.price;
  const qty = req.amount.unit === 'base' ? Number(req.amount.value) : Number(req.amount.value) / price;
  if (qty < Number(inst.minQty)) fail('quantity_too_small', `quantity ${req.amount.value} is below the minimum of ${inst.minQty} ${inst.base}`);
  if (qty * price < Number(inst.minNotional)) fail('notional_too_small', `order value is below the minimum of ${inst.minNotional} ${inst.quote}`);
  const needAsset = req.side === 'buy' ? inst.quote : inst.base;
  const need = req.side === 'buy' ? qty * price : qty;
  if (need > free(needAsset)) fail('insufficient_balance', `Insufficient ${needAsset}: this order needs about ${need.toFixed(2)} ${needAsset}, ${free(needAsset)} ${needAsset} is free`);
  const now = Date.now();
  const o: OrderRecord = { id: nextOrder++, accountId: ACCOUNT, venue: 'demo', clientOrderId: `km${String(nextOrder).padStart(12, '0')}`, venueOrderId: null, symbol: req.symbol, side: req.side, kind: req.kind, price: req.price, amount: req.amount, filledQty: '0', filledQuote: '0', status: 'open', reason: null, createdMs: now, updatedMs: now, options: req.options ?? { ...PLAIN } };
  orders.push(o);
  if (req.kind === 'market') {
    fillOrder(o, m, m.price, qty);
  } else {
    balances.set(needAsset, free(needAsset) - need);
    locked.set(needAsset, (locked.get(needAsset) ?? 0) + need);
    emitAccount({ kind: 'order', order: { ...o } });
    emitAccount({ kind: 'balances', accountId: ACCOUNT });
    setTimeout(() => matchResting(m), 0);
  }
  return { ...o };
}

function cancel(orderId: number): OrderRecord {
  const o = orders.find((x) => x.id === orderId) ?? fail('order_not_found', `No order ${orderId}`);
  if (o.status !== 'open') fail('order_not_cancelable', `Order ${orderId} is ${o.status}`);
  const m = o.accountId === ACCOUNT && (o.kind === 'limit' || o.kind === 'market') ? markets.get(o.symbol) : undefined;
  if (m) {
    const asset = o.side === 'buy' ? m.inst.quote : m.inst.base;
    const amount = o.side === 'buy' ? Number(o.price) * Number(o.amount.value) : Number(o.amount.value);
    balances.set(asset, free(asset) + amount);
    locked.set(asset, (locked.get(asset) ?? 0) - amount);
  }
  o.status = 'canceled';
  o.updatedMs = Date.now();
  emitAccount({ kind: 'order', order: { ...o } });
  emitAccount({ kind: 'balances', accountId: o.accountId });
  return { ...o };
}

function filterFills(f: FillFilter): Fill[] {
  const rows = fills.filter(
    (x) =>
      (!f.symbol || x.symbol === f.symbol) &&
      (!f.side || x.side === f.side) &&
      (f.fromMs === undefined || x.tsMs >= f.fromMs) &&
      (f.toMs === undefined || x.tsMs < f.toMs),
  );
  return f.limit !== undefined ? rows.slice(0, f.limit) : rows;
}

function equity() {
  const rows = [...balances.keys()].map((asset) => {
    const f = free(asset);
    const l = Math.max(0, locked.get(asset) ?? 0);
    const total = f + l;
    const px = asset === 'USDT' ? 1 : (markets.get(`${asset}/USDT`)?.price ?? null);
    return { asset, free: f.toFixed(8), locked: l.toFixed(8), total: total.toFixed(8), value: px === null ? null : (total * px).toFixed(2) };
  });
  const sum = rows.reduce((s, r) => s + Number(r.value ?? 0), 0);
  return { accountId: ACCOUNT, valuationAsset: 'USDT', equity: sum.toFixed(2), balances: rows };
}

function seedFills(): void {
  const now = Date.now();
  for (let k = 0; k < 1200; k++) {
    const m = [...markets.values()][k % 3] as Market;
    const side = Math.random() < 0.5 ? 'buy' : 'sell';
    const price = m.price * (1 + rand(-0.05, 0.05));
    const qty = rand(0.01, 0.3) * (m.inst.base === 'BTC' ? 0.1 : m.inst.base === 'ETH' ? 1 : 10);
    const quote = price * qty;
    fills.push({ venue: 'demo', accountId: ACCOUNT, symbol: m.inst.symbol, side, price: p2(price), qty: qtyText(m.inst, qty), quoteQty: quote.toFixed(8), fee: (quote * FEE).toFixed(8), feeAsset: 'USDT', venueOrderId: `D${90000 + k}`, clientOrderId: `km${k}`, tradeId: `T${500000 + k}`, isMaker: k % 4 === 0, tsMs: now - (k + 1) * 37 * MINUTE });
  }
}

export function installMockIpc(): void {
  seedMarket(instruments[0] as Instrument, 64_800, 0.0009);
  seedMarket(instruments[1] as Instrument, 3_180, 0.0012);
  seedMarket(instruments[2] as Instrument, 148, 0.0016);
  seedFills();
  setInterval(() => {
    for (const m of markets.values()) step(m);
  }, 250);
  seedPositions();
  setInterval(tickPositions, 2000);
  setInterval(() => {
    const nextFunding = Math.ceil(Date.now() / (8 * 60 * MINUTE)) * 8 * 60 * MINUTE;
    for (const sub of marketSubs.values()) {
      const m = markets.get(sub.symbol);
      if (!m) continue;
      const last = m.candles[m.candles.length - 1];
      const mark = sub.futures
        ? { tsMs: Date.now(), markPrice: p2(m.price * 1.0001), indexPrice: p2(m.price * 0.99995), fundingRate: '0.00010000', nextFundingMs: nextFunding }
        : null;
      const batch: MarketBatch = { symbol: sub.symbol, trades: m.pending.slice(), candles: last ? [{ ...last }] : [], book: book(m, 20), mark, lastPrice: p2(m.price) };
      sub.channel.onmessage(batch);
    }
    for (const m of markets.values()) m.pending = [];
  }, 100);

  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    const market = () => markets.get(String(args.symbol)) ?? fail('unknown_symbol', `Unknown symbol ${String(args.symbol)}`);
    switch (cmd) {
      case 'app_info':
        return { version: '0.1.0-mock', dataDir: '/home/trader/.local/share/app.keel.desktop', tradingPaused: paused, defaultAccountId: params.get('account') ?? ACCOUNT };
      case 'list_accounts':
        return accounts.map((a) => ({ ...a }));
      case 'add_account':
        return delayed(1500, () => addAccount(args.request as NewAccountRequest));
      case 'update_account':
        return delayed(900, () => updateAccount(args.request as UpdateAccountRequest));
      case 'remove_account':
        return removeAccount(String(args.accountId));
      case 'set_account_live':
        return delayed(200, () => setLive(String(args.accountId), Boolean(args.live), (args.password as string | null) ?? null));
      case 'test_endpoints':
        return delayed(700, () => {
          const a = accountOf(args.accountId);
          const hosts = a.market === 'futures' ? ['https://fapi.binance.com', 'wss://fstream.binance.com/ws'] : ['https://api.binance.com', 'https://api1.binance.com', 'https://api2.binance.com', 'wss://stream.binance.com:9443/ws'];
          return hosts.map((url, k) => ({ url, healthy: k !== 2, latencyMs: k === 2 ? null : Math.round(rand(18, 140)), error: k === 2 ? 'HTTP 429: too many requests' : null, coolingDown: k === 2 }));
        });
      case 'list_positions':
        return isFutures(args.accountId) ? positions.map((p) => ({ ...p })) : [];
      case 'secret_audit':
        return audit.filter((e) => args.accountId == null || e.accountId === args.accountId);
      case 'security_status':
        return { ...securityState };
      case 'set_app_lock':
        return delayed(300, () => setAppLock((args.current as string | null) ?? null, (args.new as string | null) ?? null));
      case 'unlock_app':
        return delayed(300, () => {
          if (appPassword !== null && args.password !== appPassword) fail('wrong_password', 'Wrong app password');
          securityState.appLocked = false;
          return { ...securityState };
        });
      case 'create_vault':
        return delayed(400, () => {
          if (String(args.password).length < 8) fail('invalid_input', 'Use a vault password of at least 8 characters');
          securityState.vaultFileExists = true;
          securityState.vaultUnlocked = true;
          return { ...securityState };
        });
      case 'unlock_vault':
        return delayed(400, () => {
          securityState.vaultUnlocked = true;
          return { ...securityState };
        });
      case 'list_instruments':
        if (accountOf(args.accountId).connection.state !== 'connected') return fail('venue_unavailable', 'Not connected yet');
        return instruments;
      case 'get_equity':
        return isFutures(args.accountId)
          ? { accountId: String(args.accountId), valuationAsset: 'USDT', equity: '2450.00', balances: [{ asset: 'USDT', free: '1850.00', locked: '600.00', total: '2450.00', value: '2450.00' }] }
          : equity();
      case 'get_candles':
        return market().candles.slice(-Number(args.limit)).map((c) => ({ ...c }));
      case 'get_order_book':
        return book(market(), Number(args.depth));
      case 'get_recent_trades':
        return market().trades.slice(0, Number(args.limit));
      case 'place_order':
        return new Promise((resolve, reject) =>
          setTimeout(() => {
            try {
              resolve(place(args.request as PlaceOrderRequest));
            } catch (e) {
              reject(e);
            }
          }, 120),
        );
      case 'cancel_order':
        return cancel(Number(args.orderId));
      case 'list_open_orders':
        return orders.filter((o) => o.status === 'open' && o.accountId === args.accountId).map((o) => ({ ...o }));
      case 'list_fills':
        return filterFills(args.filter as FillFilter);
      case 'export_fills_csv':
        return { path: '/home/trader/keel-fills.csv', rows: filterFills(args.filter as FillFilter).length };
      case 'subscribe_market': {
        const id = nextSub++;
        marketSubs.set(id, { symbol: String(args.symbol), futures: isFutures(args.accountId), channel: args.onBatch as Channel<MarketBatch> });
        return id;
      }
      case 'subscribe_account': {
        const id = nextSub++;
        accountSubs.set(id, args.onEvent as Channel<AccountEvent>);
        return id;
      }
      case 'unsubscribe':
        marketSubs.delete(Number(args.subscriptionId));
        accountSubs.delete(Number(args.subscriptionId));
        return null;
      case 'set_trading_paused':
        paused = Boolean(args.paused);
        emitAccount({ kind: 'tradingPaused', paused });
        return paused;
      // Data and Backtest pages: stored lists only; the mock has no backtester, paper runs or downloader.
      case 'list_datasets':
        return [...markets.values()].map((m) => ({
          dataset: { kind: 'candles', venue: 'demo', symbol: m.inst.symbol, intervalMs: MINUTE },
          label: `demo ${m.inst.symbol} ${MINUTE} ms`,
          rows: m.candles.length,
          firstMs: m.candles[0]?.openTimeMs ?? null,
          lastMs: m.candles[m.candles.length - 1]?.openTimeMs ?? null,
          approxBytes: m.candles.length * 90,
        }));
      case 'candle_gaps':
        return [];
      case 'chart_candles':
        return market().candles.map((c) => ({ ...c }));
      case 'strategy_templates':
      case 'list_recordings':
      case 'list_backtests':
      case 'list_sweeps':
      case 'list_downloads':
      case 'paper_runs':
        return [];
      case 'stop_paper':
        return fail('invalid_input', `there is no paper run ${String(args.id)}`);
      case 'run_backtest':
      case 'run_sweep':
      case 'start_paper':
      case 'open_paper_account':
      case 'download_candles':
      case 'import_csv':
      case 'start_recording':
        return delayed(300, () => fail('invalid_input', 'The mock engine cannot run this: use the desktop app'));
      case 'ui_ready':
        console.info('[mock] ui_ready');
        return null;
      default:
        return fail('internal', `mock: no command ${cmd}`);
    }
  });
}

