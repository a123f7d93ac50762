// The order ticket's logic, free of any UI: client-side checks against the instrument's filters
// (the same ones Rust applies), the exact request, estimates and quick-% amounts.

import type {
  Instrument,
  OrderKind,
  OrderOptions,
  OrderRecord,
  PlaceOrderRequest,
  PositionSide,
  Side,
  TimeInForce,
} from '../../ipc/bindings';
import * as D from '../../lib/decimal';
import { formatDecimal } from '../../lib/decimal';
import { priceDp, qtyDp } from '../../lib/format';

export type Unit = 'base' | 'quote';

export interface TicketInput {
  side: Side;
  kind: OrderKind;
  /** Quote amounts are for spot market orders only; everything else is sized in base. */
  unit: Unit;
  qty: string;
  price: string;
  /** The trigger of a stop or take-profit order. */
  stopPrice?: string;
  timeInForce?: TimeInForce;
  /** Futures only. */
  reduceOnly?: boolean;
  /** Futures stop-market / take-profit-market only: closes the whole position, no amount. */
  closePosition?: boolean;
  /** Futures hedge mode: which side's position the order belongs to. */
  positionSide?: PositionSide;
}

export interface TicketContext {
  accountId: string;
  instrument: Instrument;
  lastPrice: string | null;
  baseFree: string;
  quoteFree: string;
  /** A USD-M futures account: margin is the venue's to check, futures flags are allowed. */
  futures?: boolean;
}

export interface TicketErrors {
  qty?: string;
  price?: string;
  stop?: string;
  form?: string;
}

export type TicketResult = { ok: true; request: PlaceOrderRequest } | { ok: false; errors: TicketErrors };

/** The Demo venue's taker fee, shown as "~0.1%": an estimate, Rust charges the real one. */
export const TAKER_FEE = '0.001';
export const FEE_LABEL = '~0.1%';
/** Precision of quote amounts the ticket suggests (USDT cents). */
export const QUOTE_STEP = '0.01';

/** How the ticket groups the order kinds: plain ones, then stop and take-profit families. */
export type KindGroup = 'market' | 'limit' | 'limit_maker' | 'stop' | 'take_profit';

export const KIND_GROUPS: readonly { group: KindGroup; label: string; title: string }[] = [
  { group: 'market', label: 'Market', title: 'Buy or sell now at the best price' },
  { group: 'limit', label: 'Limit', title: 'Rest in the book at your price' },
  { group: 'limit_maker', label: 'Post-only', title: 'A limit order that is canceled rather than taking liquidity' },
  { group: 'stop', label: 'Stop', title: 'Stop-limit or stop-market: triggers when the price moves against you' },
  { group: 'take_profit', label: 'Take-profit', title: 'Take-profit limit or market: triggers when the price reaches your target' },
];

export const KIND_LABELS: Record<OrderKind, string> = {
  market: 'Market',
  limit: 'Limit',
  limit_maker: 'Post-only limit',
  stop_limit: 'Stop-limit',
  stop_market: 'Stop-market',
  take_profit_limit: 'Take-profit limit',
  take_profit_market: 'Take-profit market',
};

export function kindGroup(kind: OrderKind): KindGroup {
  if (kind === 'stop_limit' || kind === 'stop_market') return 'stop';
  if (kind === 'take_profit_limit' || kind === 'take_profit_market') return 'take_profit';
  return kind;
}

/** The kind for a group, keeping the limit/market flavour of the current conditional kind. */
export function kindFor(group: KindGroup, current: OrderKind, flavour?: 'limit' | 'market'): OrderKind {
  const f = flavour ?? (current === 'stop_market' || current === 'take_profit_market' ? 'market' : 'limit');
  if (group === 'stop') return f === 'market' ? 'stop_market' : 'stop_limit';
  if (group === 'take_profit') return f === 'market' ? 'take_profit_market' : 'take_profit_limit';
  return group;
}

export const hasLimitPrice = (kind: OrderKind): boolean =>
  kind === 'limit' || kind === 'limit_maker' || kind === 'stop_limit' || kind === 'take_profit_limit';

export const isConditional = (kind: OrderKind): boolean =>
  kind === 'stop_limit' || kind === 'stop_market' || kind === 'take_profit_limit' || kind === 'take_profit_market';

/** Post-only is always GTX; market-priced kinds have no time in force. */
export const hasTimeInForce = (kind: OrderKind): boolean =>
  kind === 'limit' || kind === 'stop_limit' || kind === 'take_profit_limit';

export const canClosePosition = (kind: OrderKind): boolean => kind === 'stop_market' || kind === 'take_profit_market';

/** Close-position is in effect (futures, a market-priced conditional kind, ticked). */
export const closesPosition = (input: TicketInput, futures = false): boolean =>
  futures && canClosePosition(input.kind) && input.closePosition === true;

export const effectiveUnit = (input: Pick<TicketInput, 'kind' | 'unit'>, futures = false): Unit =>
  input.kind === 'market' && !futures ? input.unit : 'base';

const positive = (text: string): D.Dec | null => {
  const d = D.parse(text);
  return d !== null && D.isPositive(d) ? d : null;
};

const show = (x: D.DecLike): string => D.normalized(x);

/** The price an order is valued at: its limit price, its trigger, or the last price. */
function referencePrice(input: TicketInput, ctx: TicketContext): D.Dec | null {
  if (hasLimitPrice(input.kind)) return positive(input.price);
  if (isConditional(input.kind)) return positive(input.stopPrice ?? '');
  return ctx.lastPrice !== null ? positive(ctx.lastPrice) : null;
}

function checkPrice(input: TicketInput, inst: Instrument): string | undefined {
  if (!hasLimitPrice(input.kind)) return undefined;
  const price = positive(input.price);
  if (price === null) return 'Enter a limit price above 0';
  if (!D.isMultipleOf(price, inst.tickSize)) {
    return `Price must be a multiple of the tick size ${show(inst.tickSize)} ${inst.quote}`;
  }
  return undefined;
}

/**
 * The trigger: required, on the tick grid, and on the side of the market where it will not fire
 * at once (a buy stop above the last price, a sell stop below; take-profits the other way).
 */
function checkStop(input: TicketInput, ctx: TicketContext): string | undefined {
  if (!isConditional(input.kind)) return undefined;
  const inst = ctx.instrument;
  const stop = positive(input.stopPrice ?? '');
  if (stop === null) return 'Enter a trigger price above 0';
  if (!D.isMultipleOf(stop, inst.tickSize)) {
    return `Trigger must be a multiple of the tick size ${show(inst.tickSize)} ${inst.quote}`;
  }
  const last = ctx.lastPrice !== null ? positive(ctx.lastPrice) : null;
  if (last === null) return undefined;
  const stopFamily = kindGroup(input.kind) === 'stop';
  const mustBeAbove = stopFamily === (input.side === 'buy');
  const lastText = formatDecimal(last, priceDp(inst));
  const what = `${input.side === 'buy' ? 'A buy' : 'A sell'} ${stopFamily ? 'stop' : 'take-profit'}`;
  if (mustBeAbove && !D.gt(stop, last)) return `${what} triggers above the market: set the trigger above ${lastText}`;
  if (!mustBeAbove && !D.lt(stop, last)) return `${what} triggers below the market: set the trigger below ${lastText}`;
  return undefined;
}

function checkQty(input: TicketInput, ctx: TicketContext, ref: D.Dec | null): string | undefined {
  const inst = ctx.instrument;
  const unit = effectiveUnit(input, ctx.futures);
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
  // Futures margin depends on leverage and positions: the venue checks it.
  if (ref === null || ctx.futures) return undefined;

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

/** Stop price, time in force and futures flags; null when they are all the plain GTC default. */
export function orderOptions(input: TicketInput, futures = false): OrderOptions | null {
  const close = closesPosition(input, futures);
  const options: OrderOptions = {
    stopPrice: isConditional(input.kind) ? D.canonical(input.stopPrice ?? '') : null,
    timeInForce: hasTimeInForce(input.kind) ? (input.timeInForce ?? 'gtc') : 'gtc',
    reduceOnly: futures && !close && input.reduceOnly === true,
    closePosition: close,
    positionSide: futures ? (input.positionSide ?? 'both') : 'both',
  };
  const plain =
    options.stopPrice === null &&
    options.timeInForce === 'gtc' &&
    !options.reduceOnly &&
    !options.closePosition &&
    options.positionSide === 'both';
  return plain ? null : options;
}

/** Every check Rust would make, in the trader's terms; the request when all pass. */
export function validateTicket(input: TicketInput, ctx: TicketContext): TicketResult {
  const errors: TicketErrors = {};
  const futures = ctx.futures === true;
  const price = checkPrice(input, ctx.instrument);
  if (price) errors.price = price;
  const stop = checkStop(input, ctx);
  if (stop) errors.stop = stop;
  const ref = price || (stop && !hasLimitPrice(input.kind)) ? null : referencePrice(input, ctx);
  if (input.kind === 'market' && ref === null) {
    errors.form = `No market price for ${ctx.instrument.symbol} yet: wait for the first trade`;
  }
  const close = closesPosition(input, futures);
  // Close-position sends no amount: the venue closes whatever is open.
  const qty = close ? undefined : checkQty(input, ctx, ref);
  if (qty) errors.qty = qty;
  if (errors.qty || errors.price || errors.stop || errors.form) return { ok: false, errors };

  const request: PlaceOrderRequest = {
    accountId: ctx.accountId,
    symbol: ctx.instrument.symbol,
    side: input.side,
    kind: input.kind,
    price: hasLimitPrice(input.kind) ? D.canonical(input.price) : null,
    // The engine still checks an amount against the filters; the venue ignores it when closing
    // the position, so the smallest valid value goes.
    amount: close
      ? { unit: 'quote', value: D.normalized(ctx.instrument.minNotional) }
      : { unit: effectiveUnit(input, futures), value: D.canonical(input.qty) },
  };
  const options = orderOptions(input, futures);
  if (options) request.options = options;
  return { ok: true, request };
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
  if (ref === null || amount === null || closesPosition(input, ctx.futures)) return null;
  const base = effectiveUnit(input, ctx.futures) === 'base';
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
  const unit = effectiveUnit(input, ctx.futures);
  const withFee = D.add('1', TAKER_FEE);
  let value: D.Dec;
  // Futures: both sides are sized from the margin balance (at 1x; leverage is the venue's).
  if (input.side === 'buy' || ctx.futures) {
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
