// DEV ONLY: an in-browser stand-in for the Rust engine, so the UI can be previewed without Tauri.
// Loaded only when VITE_MOCK_IPC=1 (`npm run dev:mock`); a normal build drops it entirely.
// Floats are fine here: this is a toy market, not the app's money path.

import type { Channel } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AccountEvent,
  AppError,
  Candle,
  Fill,
  FillFilter,
  Instrument,
  MarketBatch,
  OrderBook,
  OrderRecord,
  PlaceOrderRequest,
  Trade,
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
const marketSubs = new Map<number, { symbol: string; channel: Channel<MarketBatch> }>();
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
  if (paused) fail('trading_paused', 'Trading is paused. Resume it from the top bar or the tray menu to place orders.');
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
  const o: OrderRecord = { id: nextOrder++, accountId: ACCOUNT, venue: 'demo', clientOrderId: `km${String(nextOrder).padStart(12, '0')}`, venueOrderId: null, symbol: req.symbol, side: req.side, kind: req.kind, price: req.price, amount: req.amount, filledQty: '0', filledQuote: '0', status: 'open', reason: null, createdMs: now, updatedMs: now };
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
  const m = markets.get(o.symbol);
  if (m) {
    const asset = o.side === 'buy' ? m.inst.quote : m.inst.base;
    const amount = o.side === 'buy' ? Number(o.price) * Number(o.amount.value) : Number(o.amount.value);
    balances.set(asset, free(asset) + amount);
    locked.set(asset, (locked.get(asset) ?? 0) - amount);
  }
  o.status = 'canceled';
  o.updatedMs = Date.now();
  emitAccount({ kind: 'order', order: { ...o } });
  emitAccount({ kind: 'balances', accountId: ACCOUNT });
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
  setInterval(() => {
    for (const sub of marketSubs.values()) {
      const m = markets.get(sub.symbol);
      if (!m) continue;
      const last = m.candles[m.candles.length - 1];
      const batch: MarketBatch = { symbol: sub.symbol, trades: m.pending.slice(), candles: last ? [{ ...last }] : [], book: book(m, 20), lastPrice: p2(m.price) };
      sub.channel.onmessage(batch);
    }
    for (const m of markets.values()) m.pending = [];
  }, 100);

  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    const market = () => markets.get(String(args.symbol)) ?? fail('unknown_symbol', `Unknown symbol ${String(args.symbol)}`);
    switch (cmd) {
      case 'app_info':
        return { version: '0.1.0-mock', dataDir: '/home/trader/.local/share/app.keel.desktop', tradingPaused: paused, defaultAccountId: ACCOUNT };
      case 'list_accounts':
        return [{ id: ACCOUNT, venue: 'demo', market: 'spot', label: 'Demo exchange' }];
      case 'list_instruments':
        return instruments;
      case 'get_equity':
        return equity();
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
        return orders.filter((o) => o.status === 'open').map((o) => ({ ...o }));
      case 'list_fills':
        return filterFills(args.filter as FillFilter);
      case 'export_fills_csv':
        return { path: '/home/trader/keel-fills.csv', rows: filterFills(args.filter as FillFilter).length };
      case 'subscribe_market': {
        const id = nextSub++;
        marketSubs.set(id, { symbol: String(args.symbol), channel: args.onBatch as Channel<MarketBatch> });
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
      case 'ui_ready':
        console.info('[mock] ui_ready');
        return null;
      default:
        return fail('internal', `mock: no command ${cmd}`);
    }
  });
}

