// The order ticket's logic, free of any UI: client-side checks against the instrument's filters
// (the same ones Rust applies), the exact request, estimates and quick-% amounts.

import type { Instrument, OrderKind, OrderRecord, PlaceOrderRequest, Side } from '../../ipc/bindings';
import * as D from '../../lib/decimal';
import { formatDecimal } from '../../lib/decimal';
import { priceDp, qtyDp } from '../../lib/format';

export type Unit = 'base' | 'quote';

export interface TicketInput {
  side: Side;
  kind: OrderKind;
  /** Quote amounts are for market orders only; a limit order is always sized in base. */
  unit: Unit;
  qty: string;
  price: string;
}

export interface TicketContext {
  accountId: string;
  instrument: Instrument;
  lastPrice: string | null;
  baseFree: string;
  quoteFree: string;
}

export interface TicketErrors {
  qty?: string;
  price?: string;
  form?: string;
}

export type TicketResult = { ok: true; request: PlaceOrderRequest } | { ok: false; errors: TicketErrors };

/** The Demo venue's taker fee, shown as "~0.1%": an estimate, Rust charges the real one. */
export const TAKER_FEE = '0.001';
export const FEE_LABEL = '~0.1%';
/** Precision of quote amounts the ticket suggests (USDT cents). */
export const QUOTE_STEP = '0.01';

export const effectiveUnit = (input: Pick<TicketInput, 'kind' | 'unit'>): Unit =>
  input.kind === 'limit' ? 'base' : input.unit;

const positive = (text: string): D.Dec | null => {
  const d = D.parse(text);
  return d !== null && D.isPositive(d) ? d : null;
};

const show = (x: D.DecLike): string => D.normalized(x);

/** The price an order is valued at: its limit price, or the last price for a market order. */
function referencePrice(input: TicketInput, ctx: TicketContext): D.Dec | null {
  if (input.kind === 'limit') return positive(input.price);
  return ctx.lastPrice !== null ? positive(ctx.lastPrice) : null;
}

function checkPrice(input: TicketInput, inst: Instrument): string | undefined {
  if (input.kind !== 'limit') return undefined;
  const price = positive(input.price);
  if (price === null) return 'Enter a limit price above 0';
  if (!D.isMultipleOf(price, inst.tickSize)) {
    return `Price must be a multiple of the tick size ${show(inst.tickSize)} ${inst.quote}`;
  }
  return undefined;
}

function checkQty(input: TicketInput, ctx: TicketContext, ref: D.Dec | null): string | undefined {
  const inst = ctx.instrument;
  const unit = effectiveUnit(input);
  const qty = positive(input.qty);
  if (qty === null) return 'Enter an amount above 0';

  let notional: D.Dec | null;
  if (unit === 'base') {
    if (D.lt(qty, inst.minQty)) return `Minimum amount is ${show(inst.minQty)} ${inst.base}`;
    if (D.gt(qty, inst.maxQty)) return `Maximum amount is ${show(inst.maxQty)} ${inst.base}`;
    if (!D.isMultipleOf(qty, inst.stepSize)) {
      return `Amount must be a multiple of ${show(inst.stepSize)} ${inst.base}`;
    }
    notional = ref ? D.mul(qty, ref) : null;
  } else {
    notional = qty;
  }
  if (notional !== null && D.lt(notional, inst.minNotional)) {
    return `Order value must be at least ${show(inst.minNotional)} ${inst.quote} (this one is ${formatDecimal(notional, 2)})`;
  }
  if (ref === null) return undefined;

  // The same funds check Rust makes before sending (the venue checks again, fees included).
  const [asset, need, free] =
    input.side === 'buy'
      ? [inst.quote, unit === 'base' ? D.mul(qty, ref) : qty, ctx.quoteFree]
      : [inst.base, unit === 'base' ? qty : D.div(qty, ref, qtyDp(inst) + 8), ctx.baseFree];
  if (D.gt(need, free)) {
    const dp = asset === inst.quote ? 2 : qtyDp(inst);
    return `Insufficient ${asset}: this order needs about ${formatDecimal(need, dp)} ${asset}, ${formatDecimal(free, dp, { minDp: 0 })} ${asset} is free`;
  }
  return undefined;
}

/** Every check Rust would make, in the trader's terms; the request when all pass. */
export function validateTicket(input: TicketInput, ctx: TicketContext): TicketResult {
  const errors: TicketErrors = {};
  const price = checkPrice(input, ctx.instrument);
  if (price) errors.price = price;
  const ref = price ? null : referencePrice(input, ctx);
  if (input.kind === 'market' && ref === null) {
    errors.form = `No market price for ${ctx.instrument.symbol} yet: wait for the first trade`;
  }
  const qty = checkQty(input, ctx, ref);
  if (qty) errors.qty = qty;
  if (errors.qty || errors.price || errors.form) return { ok: false, errors };

  return {
    ok: true,
    request: {
      accountId: ctx.accountId,
      symbol: ctx.instrument.symbol,
      side: input.side,
      kind: input.kind,
      price: input.kind === 'limit' ? D.canonical(input.price) : null,
      amount: { unit: effectiveUnit(input), value: D.canonical(input.qty) },
    },
  };
}

export interface Estimate {
  /** Order value in quote. */
  notional: D.Dec;
  /** Estimated fee in quote at TAKER_FEE. */
  fee: D.Dec;
  /** Base quantity (estimated for quote-sized orders). */
  qty: D.Dec;
}

export function estimate(input: TicketInput, ctx: TicketContext): Estimate | null {
  const ref = referencePrice(input, ctx);
  const amount = positive(input.qty);
  if (ref === null || amount === null) return null;
  const base = effectiveUnit(input) === 'base';
  const notional = base ? D.mul(amount, ref) : amount;
  const qty = base ? amount : D.div(amount, ref, qtyDp(ctx.instrument) + 2);
  return { notional, fee: D.mul(notional, TAKER_FEE), qty };
}

/**
 * The amount for a quick "% of balance" button, in the ticket's unit: floored to the step (base)
 * or to cents (quote), leaving room for the fee on buys. Null without a price.
 */
export function quickAmount(pct: number, input: TicketInput, ctx: TicketContext): string | null {
  const inst = ctx.instrument;
  const ref = referencePrice(input, ctx);
  if (ref === null) return null;
  const share = (free: string): D.Dec => D.div(D.mul(free, String(pct)), '100', 18);
  const unit = effectiveUnit(input);
  const withFee = D.add('1', TAKER_FEE);
  let value: D.Dec;
  if (input.side === 'buy') {
    const budget = share(ctx.quoteFree);
    value =
      unit === 'base'
        ? D.floorToStep(D.div(budget, D.mul(ref, withFee), qtyDp(inst) + 4), inst.stepSize)
        : D.floorToStep(D.div(budget, withFee, 8), QUOTE_STEP);
  } else {
    const base = share(ctx.baseFree);
    value = unit === 'base' ? D.floorToStep(base, inst.stepSize) : D.floorToStep(D.mul(base, ref), QUOTE_STEP);
  }
  if (D.sign(value) < 0) return '0';
  return D.toString(value);
}

/** The limit price a ticket starts with: the last price on the tick grid. */
export function defaultLimitPrice(lastPrice: string | null, inst: Instrument): string {
  if (lastPrice === null || !D.isDecimal(lastPrice)) return '';
  return D.toFixed(D.floorToStep(lastPrice, inst.tickSize), priceDp(inst));
}

/** "Bought 0.001 BTC @ 65,012.30" when something filled, else "Order placed". */
export function successText(order: OrderRecord, inst: Instrument): string {
  const filled = D.parse(order.filledQty);
  const quote = D.parse(order.filledQuote);
  if (filled === null || quote === null || !D.isPositive(filled)) return 'Order placed';
  const avg = D.div(quote, filled, priceDp(inst) + 4);
  const verb = order.side === 'buy' ? 'Bought' : 'Sold';
  const qtyText = formatDecimal(filled, qtyDp(inst), { minDp: 0 });
  return `${verb} ${qtyText} ${inst.base} @ ${formatDecimal(avg, priceDp(inst))}`;
}
