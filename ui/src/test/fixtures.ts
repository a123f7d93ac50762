import type { AccountView, Instrument, OrderRecord, Position } from '../ipc/bindings';

export const BTC: Instrument = {
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  stepSize: '0.00001',
  minQty: '0.00001',
  maxQty: '9000',
  minNotional: '5',
};

export const ETH: Instrument = { ...BTC, symbol: 'ETH/USDT', base: 'ETH', stepSize: '0.0001', minQty: '0.0001' };

export function order(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    id: 1,
    accountId: 'demo',
    venue: 'demo',
    clientOrderId: 'km000000000001',
    venueOrderId: 'D1',
    symbol: 'BTC/USDT',
    side: 'buy',
    kind: 'market',
    price: null,
    amount: { unit: 'base', value: '0.001' },
    filledQty: '0.001',
    filledQuote: '65.0123',
    status: 'filled',
    reason: null,
    createdMs: 1_763_751_600_000,
    updatedMs: 1_763_751_600_000,
    options: { stopPrice: null, timeInForce: 'gtc', reduceOnly: false, closePosition: false, positionSide: 'both' },
    ...over,
  };
}

export function account(over: Partial<AccountView> = {}): AccountView {
  return {
    id: 'binance1',
    venue: 'binance',
    market: 'spot',
    label: 'Binance spot',
    testnet: false,
    proxy: null,
    apiKeyHint: '…h8A9',
    secretStore: 'keychain',
    live: false,
    permissions: { canRead: true, canTradeSpot: true, canTradeFutures: false, canWithdraw: false, ipRestricted: true },
    warnings: [],
    connection: { state: 'connected', detail: null, weightUsed: 120, weightLimit: 6000, clockOffsetMs: -12 },
    ...over,
  };
}

export const DEMO_ACCOUNT: AccountView = account({
  id: 'demo',
  venue: 'demo',
  label: 'Demo exchange',
  apiKeyHint: null,
  secretStore: 'none',
  live: true,
  permissions: null,
  connection: { state: 'connected', detail: null, weightUsed: null, weightLimit: null, clockOffsetMs: null },
});

export function position(over: Partial<Position> = {}): Position {
  return {
    symbol: 'BTC/USDT',
    positionSide: 'both',
    qty: '0.010',
    entryPrice: '64000.00',
    markPrice: '65000.00',
    unrealizedPnl: '10.00',
    leverage: 10,
    marginType: 'cross',
    liquidationPrice: '58000.00',
    updatedMs: 1_763_751_600_000,
    ...over,
  };
}
