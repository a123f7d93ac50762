import { describe, expect, it } from 'vitest';
import * as D from '../../lib/decimal';
import { BTC, order } from '../../test/fixtures';
import { defaultLimitPrice, estimate, kindFor, kindGroup, quickAmount, successText, validateTicket, type TicketContext, type TicketInput } from './ticket';

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

describe('conditional kinds and futures options', () => {
  const fut: TicketContext = { ...ctx, futures: true, baseFree: '0', quoteFree: '500' };

  it('groups the kinds and keeps the limit/market flavour', () => {
    expect(kindGroup('stop_market')).toBe('stop');
    expect(kindGroup('take_profit_limit')).toBe('take_profit');
    expect(kindGroup('limit_maker')).toBe('limit_maker');
    expect(kindFor('take_profit', 'stop_market')).toBe('take_profit_market');
    expect(kindFor('stop', 'limit')).toBe('stop_limit');
    expect(kindFor('stop', 'stop_limit', 'market')).toBe('stop_market');
  });

  it('requires a trigger on the right side of the market', () => {
    const stop = (over: Partial<TicketInput>) => validateTicket(input({ kind: 'stop_market', ...over }), ctx);
    expect(stop({ stopPrice: '' })).toEqual({ ok: false, errors: { stop: 'Enter a trigger price above 0' } });
    expect(stop({ stopPrice: '66000.001' })).toEqual({
      ok: false,
      errors: { stop: 'Trigger must be a multiple of the tick size 0.01 USDT' },
    });
    expect(stop({ stopPrice: '64000' })).toEqual({
      ok: false,
      errors: { stop: 'A buy stop triggers above the market: set the trigger above 65,012.30' },
    });
    const tp = validateTicket(input({ side: 'sell', kind: 'take_profit_market', stopPrice: '64000', qty: '0.001' }), ctx);
    expect(!tp.ok && tp.errors.stop).toBe('A sell take-profit triggers above the market: set the trigger above 65,012.30');
  });

  it('sends the stop price and time in force in options', () => {
    const r = validateTicket(input({ kind: 'stop_limit', stopPrice: '66000', price: '66100.00', timeInForce: 'ioc' }), ctx);
    expect(r).toEqual({
      ok: true,
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'buy',
        kind: 'stop_limit',
        price: '66100.00',
        amount: { unit: 'base', value: '0.001' },
        options: { stopPrice: '66000', timeInForce: 'ioc', reduceOnly: false, closePosition: false, positionSide: 'both' },
      },
    });
  });

  it('sends a post-only order without options and needs its limit price', () => {
    const r = validateTicket(input({ kind: 'limit_maker', price: '65000' }), ctx);
    expect(r.ok && r.request).toMatchObject({ kind: 'limit_maker', price: '65000' });
    expect(r.ok && 'options' in r.request).toBe(false);
    expect(validateTicket(input({ kind: 'limit_maker', price: '' }), ctx)).toEqual({
      ok: false,
      errors: { price: 'Enter a limit price above 0' },
    });
  });

  it('never sends futures flags from a spot account', () => {
    const r = validateTicket(input({ reduceOnly: true, positionSide: 'long' }), ctx);
    expect(r.ok && 'options' in r.request).toBe(false);
  });

  it('sizes futures in base, skips the spot funds check, and sends reduce-only and position side', () => {
    const r = validateTicket(input({ side: 'sell', unit: 'quote', qty: '0.01', reduceOnly: true, positionSide: 'long' }), fut);
    expect(r).toEqual({
      ok: true,
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'sell',
        kind: 'market',
        price: null,
        amount: { unit: 'base', value: '0.01' },
        options: { stopPrice: null, timeInForce: 'gtc', reduceOnly: true, closePosition: false, positionSide: 'long' },
      },
    });
  });

  it('closes the position without an amount on a stop-market only', () => {
    const r = validateTicket(input({ side: 'sell', kind: 'stop_market', stopPrice: '60000', qty: '', closePosition: true, reduceOnly: true }), fut);
    expect(r).toEqual({
      ok: true,
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'sell',
        kind: 'stop_market',
        price: null,
        amount: { unit: 'quote', value: '5' },
        options: { stopPrice: '60000', timeInForce: 'gtc', reduceOnly: false, closePosition: true, positionSide: 'both' },
      },
    });
    // On a limit kind the flag does not apply: the amount is required again.
    const limit = validateTicket(input({ side: 'sell', kind: 'stop_limit', stopPrice: '60000', price: '59900', qty: '', closePosition: true }), fut);
    expect(!limit.ok && limit.errors.qty).toBe('Enter an amount above 0');
    expect(estimate(input({ kind: 'stop_market', stopPrice: '70000', closePosition: true }), fut)).toBeNull();
  });

  it('values conditional orders at their trigger or limit price', () => {
    const e = estimate(input({ kind: 'stop_market', stopPrice: '70000', qty: '0.01' }), ctx);
    expect(e && D.normalized(e.notional)).toBe('700');
    const r = validateTicket(input({ kind: 'stop_limit', stopPrice: '66000', price: '66000', qty: '0.2' }), ctx);
    expect(!r.ok && r.errors.qty).toMatch(/^Insufficient USDT: this order needs about 13,200.00 USDT/);
  });
});
