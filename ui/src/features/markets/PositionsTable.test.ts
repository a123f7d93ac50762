import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import PositionsTable from './PositionsTable.svelte';
import { dispatchAccountEvent } from '../session/events';
import { BTC, ETH, position } from '../../test/fixtures';

describe('PositionsTable', () => {
  it('lists positions and follows positions events for its account', async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === 'list_positions' ? [position(), position({ symbol: 'ETH/USDT', qty: '-0.40', unrealizedPnl: '-3.20', marginType: 'isolated', leverage: 5 })] : null;
    });
    render(PositionsTable, { props: { accountId: 'binance2', instruments: [BTC, ETH] } });
    await waitFor(() => expect(screen.getAllByTestId('position-row')).toHaveLength(2));
    expect(calls).toEqual([['list_positions', { accountId: 'binance2' }]]);
    const [btc, eth] = screen.getAllByTestId('position-row');
    expect(btc?.textContent).toMatch(/BTC\/USDT.*Long.*0\.01000.*64,000\.00.*65,000\.00.*10\.00.*10×.*Cross.*58,000\.00/);
    expect(eth?.textContent).toMatch(/ETH\/USDT.*Short.*0\.4000.*-3\.20.*5×.*Isolated/);
    expect(screen.getAllByTestId('position-pnl').map((td) => td.className.includes('down'))).toEqual([false, true]);

    // Another account's positions do not land here; this account's replace the list.
    dispatchAccountEvent({ kind: 'positions', accountId: 'other', positions: [] });
    expect(screen.getAllByTestId('position-row')).toHaveLength(2);
    dispatchAccountEvent({ kind: 'positions', accountId: 'binance2', positions: [position({ qty: '0' })] });
    await waitFor(() => expect(screen.queryAllByTestId('position-row')).toHaveLength(0));
    expect(screen.getByText('No open positions')).toBeTruthy();
  });
});
