// The live market of one symbol: history from commands, then batches from a Channel. Reactive
// fields drive the price, book and tape; candles go to charts imperatively through listeners.

import type { Candle, MarkPrice, MarketBatch, OrderBook, Trade } from '../../ipc/bindings';
import * as ipc from '../../ipc/client';
import { applyBatch, emptySnapshot, mergeCandles, MAX_TRADES, type Direction, type MarketSnapshot } from './batch';

export const HISTORY_CANDLES = 720;
export const BOOK_DEPTH = 12;
const HISTORY_TRADES = 50;

export type CandleEvent =
  | { kind: 'reset'; candles: readonly Candle[] }
  | { kind: 'update'; candles: readonly Candle[] };

export type FeedStatus = 'idle' | 'connecting' | 'live' | 'error';

export class MarketFeed {
  symbol = $state<string | null>(null);
  lastPrice = $state<string | null>(null);
  direction = $state<Direction>(null);
  book = $state.raw<OrderBook | null>(null);
  trades = $state.raw<Trade[]>([]);
  /** Futures: mark price and funding (null on spot). */
  mark = $state.raw<MarkPrice | null>(null);
  status = $state<FeedStatus>('idle');
  error = $state<string | null>(null);
  /** Date.now() of the last batch, for the connection dot. */
  lastBatchAt = $state(0);

  #snap: MarketSnapshot = emptySnapshot();
  #listeners = new Set<(e: CandleEvent) => void>();
  #sub: ipc.Subscription | null = null;
  #generation = 0;

  get candles(): readonly Candle[] {
    return this.#snap.candles;
  }

  /** Candle updates for charts; the listener is not called with the current series. */
  onCandles(listener: (e: CandleEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async open(accountId: string, symbol: string): Promise<void> {
    const gen = ++this.#generation;
    await this.#closeSub();
    this.#snap = emptySnapshot();
    this.symbol = symbol;
    this.#publish();
    this.#emit({ kind: 'reset', candles: [] });
    this.status = 'connecting';
    this.error = null;
    try {
      const sub = await ipc.subscribeMarket(accountId, symbol, (b) => {
        if (gen === this.#generation) this.handleBatch(b);
      });
      if (gen !== this.#generation) {
        void sub.close();
        return;
      }
      this.#sub = sub;
      const [candles, trades, book] = await Promise.all([
        ipc.getCandles(accountId, symbol, HISTORY_CANDLES),
        ipc.getRecentTrades(accountId, symbol, HISTORY_TRADES),
        ipc.getOrderBook(accountId, symbol, BOOK_DEPTH),
      ]);
      if (gen !== this.#generation) return;
      this.#applyHistory(candles, trades, book);
    } catch (e) {
      if (gen !== this.#generation) return;
      this.status = 'error';
      this.error = ipc.toAppError(e).message;
    }
  }

  async close(): Promise<void> {
    this.#generation++;
    await this.#closeSub();
    this.status = 'idle';
  }

  /** One batch from the channel (public for tests). */
  handleBatch(batch: MarketBatch): void {
    if (this.symbol !== null && batch.symbol !== this.symbol) return;
    const { next, changed, rewound } = applyBatch(this.#snap, batch);
    this.#snap = next;
    this.#publish();
    this.lastBatchAt = Date.now();
    this.status = 'live';
    if (rewound) this.#emit({ kind: 'reset', candles: next.candles });
    else if (changed.length > 0) this.#emit({ kind: 'update', candles: changed });
  }

  #applyHistory(candles: Candle[], trades: Trade[], book: OrderBook): void {
    // Live data that arrived while history loaded wins over the history.
    const merged = mergeCandles(candles, this.#snap.candles).series;
    const liveIds = new Set(this.#snap.trades.map((t) => t.id));
    const tape = this.#snap.trades.concat(trades.filter((t) => !liveIds.has(t.id))).slice(0, MAX_TRADES);
    const lastPrice = this.#snap.lastPrice ?? tape[0]?.price ?? merged[merged.length - 1]?.close ?? null;
    this.#snap = { ...this.#snap, candles: merged, trades: tape, book: this.#snap.book ?? book, lastPrice };
    this.#publish();
    this.#emit({ kind: 'reset', candles: merged });
  }

  #publish(): void {
    const s = this.#snap;
    this.lastPrice = s.lastPrice;
    this.direction = s.direction;
    this.book = s.book;
    this.trades = s.trades;
    this.mark = s.mark;
  }

  #emit(e: CandleEvent): void {
    for (const l of this.#listeners) l(e);
  }

  async #closeSub(): Promise<void> {
    const sub = this.#sub;
    this.#sub = null;
    if (sub) await sub.close();
  }
}
