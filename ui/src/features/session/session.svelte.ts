// App-wide state: which account and symbol, the instruments, equity, the trading-paused switch and
// the live market feed of the selected symbol (shared by the Dashboard and Markets pages).

import type { AccountView, AppInfo, EquityView, Instrument } from '../../ipc/bindings';
import * as ipc from '../../ipc/client';
import { MarketFeed } from '../market/feed.svelte';
import { showToast } from '../../lib/toast.svelte';
import { dispatchAccountEvent, throttle } from './events';

export const PREFERRED_SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

export type StreamStatus = 'connecting' | 'live' | 'error';

export class Session {
  info = $state.raw<AppInfo | null>(null);
  accounts = $state.raw<AccountView[]>([]);
  accountId = $state('');
  instruments = $state.raw<Instrument[]>([]);
  symbol = $state('');
  paused = $state(false);
  pauseBusy = $state(false);
  equity = $state.raw<EquityView | null>(null);
  equityError = $state<string | null>(null);
  startError = $state<string | null>(null);
  accountStream = $state<StreamStatus>('connecting');
  readonly feed = new MarketFeed();

  instrument = $derived(this.instruments.find((i) => i.symbol === this.symbol) ?? null);
  account = $derived(this.accounts.find((a) => a.id === this.accountId) ?? null);

  #accountSub: ipc.Subscription | null = null;
  #uiReadySent = false;
  #refreshEquitySoon = throttle(() => void this.refreshEquity(), 250);

  async start(): Promise<void> {
    try {
      const [info, accounts] = await Promise.all([ipc.appInfo(), ipc.listAccounts()]);
      this.info = info;
      this.accounts = accounts;
      this.paused = info.tradingPaused;
      void this.#subscribeAccount();
      const first = accounts.find((a) => a.id === info.defaultAccountId) ?? accounts[0];
      await this.selectAccount(first?.id ?? info.defaultAccountId);
    } catch (e) {
      this.startError = ipc.toAppError(e).message;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.feed.close(), this.#accountSub?.close()]);
    this.#accountSub = null;
  }

  async selectAccount(accountId: string): Promise<void> {
    this.accountId = accountId;
    this.equity = null;
    try {
      const instruments = await ipc.listInstruments(accountId);
      if (this.accountId !== accountId) return;
      this.instruments = sortInstruments(instruments);
      const keep = this.instruments.some((i) => i.symbol === this.symbol);
      const symbol = keep ? this.symbol : (this.instruments[0]?.symbol ?? '');
      this.symbol = '';
      this.selectSymbol(symbol);
    } catch (e) {
      this.startError = ipc.toAppError(e).message;
    }
    void this.refreshEquity();
  }

  selectSymbol(symbol: string): void {
    if (symbol === this.symbol || symbol === '') return;
    this.symbol = symbol;
    void this.feed.open(this.accountId, symbol);
  }

  async refreshEquity(): Promise<void> {
    const accountId = this.accountId;
    if (!accountId) return;
    try {
      const equity = await ipc.getEquity(accountId);
      if (this.accountId !== accountId) return;
      this.equity = equity;
      this.equityError = null;
    } catch (e) {
      this.equityError = ipc.toAppError(e).message;
    }
  }

  /** Re-reads every account (connection states, live switches); keeps the old list on error. */
  async refreshAccounts(): Promise<AccountView[]> {
    try {
      this.accounts = await ipc.listAccounts();
    } catch {
      // The next poll tries again; the Accounts page shows its own errors.
    }
    return this.accounts;
  }

  /** Replaces one account in the list (after an edit or the live switch). */
  putAccount(view: AccountView): void {
    const i = this.accounts.findIndex((a) => a.id === view.id);
    this.accounts = i === -1 ? [...this.accounts, view] : this.accounts.map((a) => (a.id === view.id ? view : a));
  }

  /** Free balance of an asset in the selected account ("0" when none). */
  free(asset: string): string {
    return this.equity?.balances.find((b) => b.asset === asset)?.free ?? '0';
  }

  async setPaused(paused: boolean): Promise<void> {
    this.pauseBusy = true;
    try {
      this.paused = await ipc.setTradingPaused(paused);
    } catch (e) {
      showToast(ipc.toAppError(e).message, 'error');
    } finally {
      this.pauseBusy = false;
    }
  }

  /** Tells Rust the Dashboard painted with data, once per app run. */
  markUiReady(): void {
    if (this.#uiReadySent) return;
    this.#uiReadySent = true;
    ipc.uiReady().catch(() => {});
  }

  async #subscribeAccount(): Promise<void> {
    try {
      this.#accountSub = await ipc.subscribeAccount((event) => {
        this.accountStream = 'live';
        if (event.kind === 'tradingPaused') this.paused = event.paused;
        if (event.kind === 'balances' && event.accountId === this.accountId) this.#refreshEquitySoon();
        if (event.kind === 'fill' && event.fill.accountId === this.accountId) this.#refreshEquitySoon();
        dispatchAccountEvent(event);
      });
      this.accountStream = 'live';
    } catch {
      this.accountStream = 'error';
    }
  }
}

function sortInstruments(list: Instrument[]): Instrument[] {
  const rank = (s: string) => {
    const i = PREFERRED_SYMBOLS.indexOf(s);
    return i === -1 ? PREFERRED_SYMBOLS.length : i;
  };
  return list.slice().sort((a, b) => rank(a.symbol) - rank(b.symbol) || a.symbol.localeCompare(b.symbol));
}

export const session = new Session();
