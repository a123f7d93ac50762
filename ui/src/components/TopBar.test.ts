import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { AccountEvent } from '../ipc/bindings';
import TopBar from './TopBar.svelte';
import { session } from '../features/session/session.svelte';
import { BTC, DEMO_ACCOUNT } from '../test/fixtures';

describe('TopBar pause switch', () => {
  it('pauses through Rust and follows tradingPaused events from the tray', async () => {
    const calls: [string, unknown][] = [];
    let accountChannel: { onmessage: (e: AccountEvent) => void } | null = null;
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      const a = args as Record<string, unknown>;
      switch (cmd) {
        case 'app_info':
          return { version: '0.1.0', dataDir: '/tmp/keel', tradingPaused: false, defaultAccountId: 'demo' };
        case 'list_accounts':
          return [DEMO_ACCOUNT];
        case 'list_instruments':
          return [BTC];
        case 'subscribe_account':
          accountChannel = a.onEvent as typeof accountChannel;
          return 1;
        case 'subscribe_market':
          return 2;
        case 'get_candles':
        case 'get_recent_trades':
          return [];
        case 'get_order_book':
          return { bids: [], asks: [], tsMs: 0 };
        case 'get_equity':
          return { accountId: 'demo', valuationAsset: 'USDT', equity: '0', balances: [] };
        case 'set_trading_paused':
          return a.paused;
        default:
          return null;
      }
    });
    render(TopBar);
    await session.start();
    expect(session.accountId).toBe('demo');
    expect(session.symbol).toBe('BTC/USDT');
    expect(screen.queryByTestId('paused-pill')).toBeNull();

    await fireEvent.click(screen.getByTestId('pause-toggle'));
    await waitFor(() => expect(screen.getByTestId('paused-pill').textContent).toContain('Trading paused'));
    expect(calls.find(([c]) => c === 'set_trading_paused')?.[1]).toEqual({ paused: true });

    // The tray resumed trading.
    await waitFor(() => expect(accountChannel).not.toBeNull());
    accountChannel!.onmessage({ kind: 'tradingPaused', paused: false });
    await waitFor(() => expect(screen.queryByTestId('paused-pill')).toBeNull());
    expect(screen.getByTestId('pause-toggle').getAttribute('aria-checked')).toBe('false');
    await session.stop();
  });
});
