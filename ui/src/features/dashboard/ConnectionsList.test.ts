import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import ConnectionsList from './ConnectionsList.svelte';
import { account, DEMO_ACCOUNT } from '../../test/fixtures';

describe('ConnectionsList', () => {
  it('shows each account with its state dot and detail', () => {
    const down = account({ id: 'b2', label: 'Futures', connection: { state: 'down', detail: 'HTTP 401: key revoked', weightUsed: null, weightLimit: null, clockOffsetMs: null } });
    render(ConnectionsList, { props: { accounts: [DEMO_ACCOUNT, account(), down] } });
    const rows = screen.getAllByTestId('connection-row');
    expect(rows.map((r) => r.dataset.accountId)).toEqual(['demo', 'binance1', 'b2']);
    const states = screen.getAllByTestId('connection-row-state');
    expect(states.map((s) => s.dataset.state)).toEqual(['connected', 'connected', 'down']);
    expect(states[2]?.querySelector('.state-dot')?.classList.contains('bad')).toBe(true);
    expect(rows[2]?.textContent).toContain('HTTP 401: key revoked');
    // A read-only real account is marked; the demo is not.
    expect(rows[1]?.textContent).toContain('RO');
    expect(rows[0]?.textContent).not.toContain('RO');
  });
});
