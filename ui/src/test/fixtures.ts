import type { Instrument, OrderRecord } from '../ipc/bindings';

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
    ...over,
  };
}
