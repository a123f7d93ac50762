import { describe, expect, it } from 'vitest';
import { BTC, order } from '../../test/fixtures';
import { defaultLimitPrice, estimate, quickAmount, successText, validateTicket, type TicketContext, type TicketInput } from './ticket';

const ctx: TicketContext = { accountId: 'demo', instrument: BTC, lastPrice: '65012.30', baseFree: '0.5', quoteFree: '10000' };
const input = (over: Partial<TicketInput> = {}): TicketInput => ({ side: 'buy', kind: 'market', unit: 'base', qty: '0.001', price: '', ...over });

describe('validateTicket', () => {
  it('builds the exact request for a valid market order', () => {
    expect(validateTicket(input(), ctx)).toEqual({
      ok: true,
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'buy',
        kind: 'market',
        price: null,
        amount: { unit: 'base', value: '0.001' },
      },
    });
  });

  it('builds a limit request with the price string kept exact', () => {
    const r = validateTicket(input({ side: 'sell', kind: 'limit', qty: '0.00150', price: '70000.10' }), ctx);
    expect(r).toEqual({
      ok: true,
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'sell',
        kind: 'limit',
        price: '70000.10',
        amount: { unit: 'base', value: '0.00150' },
      },
    });
  });

  it('sizes limit orders in base even if quote was chosen', () => {
    const r = validateTicket(input({ kind: 'limit', unit: 'quote', qty: '0.001', price: '65000' }), ctx);
    expect(r.ok && r.request.amount).toEqual({ unit: 'base', value: '0.001' });
  });

  it('accepts a quote amount for market orders', () => {
    const r = validateTicket(input({ unit: 'quote', qty: '100' }), ctx);
    expect(r.ok && r.request.amount).toEqual({ unit: 'quote', value: '100' });
  });

  it.each([
    ['', 'Enter an amount above 0'],
    ['0', 'Enter an amount above 0'],
    ['-1', 'Enter an amount above 0'],
    ['abc', 'Enter an amount above 0'],
    ['0.000001', 'Minimum amount is 0.00001 BTC'],
    ['9001', 'Maximum amount is 9000 BTC'],
    ['0.000015', 'Amount must be a multiple of 0.00001 BTC'],
  ])('rejects quantity %j', (qty, message) => {
    expect(validateTicket(input({ qty }), ctx)).toEqual({ ok: false, errors: { qty: message } });
  });

  it('rejects an order below the minimum notional', () => {
    const r = validateTicket(input({ qty: '0.00005' }), ctx);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.qty).toMatch(/^Order value must be at least 5 USDT/);
  });

  it('rejects a price off the tick or not positive', () => {
    expect(validateTicket(input({ kind: 'limit', price: '65000.005' }), ctx)).toEqual({
      ok: false,
      errors: { price: 'Price must be a multiple of the tick size 0.01 USDT' },
    });
    expect(validateTicket(input({ kind: 'limit', price: '0' }), ctx)).toEqual({
      ok: false,
      errors: { price: 'Enter a limit price above 0' },
    });
  });

  it('checks the balance the order needs', () => {
    const buy = validateTicket(input({ qty: '1' }), ctx);
    expect(!buy.ok && buy.errors.qty).toBe('Insufficient USDT: this order needs about 65,012.30 USDT, 10,000 USDT is free');
    const sell = validateTicket(input({ side: 'sell', qty: '0.6' }), ctx);
    expect(!sell.ok && sell.errors.qty).toBe('Insufficient BTC: this order needs about 0.60000 BTC, 0.5 BTC is free');
    const quoteSell = validateTicket(input({ side: 'sell', unit: 'quote', qty: '40000' }), ctx);
    expect(!quoteSell.ok && quoteSell.errors.qty).toMatch(/^Insufficient BTC/);
  });

  it('needs a market price for market orders', () => {
    const r = validateTicket(input(), { ...ctx, lastPrice: null });
    expect(!r.ok && r.errors.form).toMatch(/No market price/);
  });
});

describe('estimates and helpers', () => {
  it('estimates cost and fee exactly', () => {
    const e = estimate(input({ qty: '0.001' }), ctx);
    expect(e && e.notional).toEqual({ int: 6501230n, scale: 5 });
    expect(e && e.fee).toEqual({ int: 6501230n, scale: 8 });
  });

  it('quick % amounts leave room for the fee and respect the step', () => {
    expect(quickAmount(100, input(), ctx)).toBe('0.15366');
    expect(quickAmount(50, input({ side: 'sell' }), ctx)).toBe('0.25000');
    expect(quickAmount(25, input({ unit: 'quote' }), ctx)).toBe('2497.50');
    expect(quickAmount(50, input(), { ...ctx, lastPrice: null })).toBeNull();
  });

  it('prefills the limit price on the tick grid', () => {
    expect(defaultLimitPrice('65012.3456', BTC)).toBe('65012.34');
    expect(defaultLimitPrice(null, BTC)).toBe('');
  });

  it('words the success toast', () => {
    expect(successText(order(), BTC)).toBe('Bought 0.001 BTC @ 65,012.30');
    expect(successText(order({ side: 'sell', filledQty: '0.5', filledQuote: '32500' }), BTC)).toBe('Sold 0.5 BTC @ 65,000.00');
    expect(successText(order({ kind: 'limit', status: 'open', filledQty: '0', filledQuote: '0' }), BTC)).toBe('Order placed');
  });
});
