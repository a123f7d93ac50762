import { beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { AccountView, SecurityView } from '../../ipc/bindings';
import AccountsPage from './AccountsPage.svelte';
import { session } from '../session/session.svelte';
import { account, DEMO_ACCOUNT } from '../../test/fixtures';

const SECURITY: SecurityView = {
  secretStore: 'keychain',
  keychainError: null,
  vaultFileExists: false,
  vaultUnlocked: false,
  appLockEnabled: true,
  appLocked: false,
};

type Handler = (cmd: string, args: Record<string, unknown>) => unknown;

function setup(accounts: AccountView[], extra: Handler = () => null, security: SecurityView = SECURITY) {
  const calls: [string, Record<string, unknown>][] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push([cmd, args]);
    const r = extra(cmd, args);
    if (r !== null && r !== undefined) return r;
    if (cmd === 'list_accounts') return accounts;
    if (cmd === 'security_status') return security;
    return null;
  });
  session.accounts = accounts;
  render(AccountsPage);
  return { calls, of: (name: string) => calls.filter(([c]) => c === name) };
}

const card = (label: string) => {
  const el = screen.getAllByTestId('account-row').find((c) => within(c).getByTestId('account-label').textContent === label);
  if (!el) throw new Error(`no card ${label}`);
  return within(el);
};

beforeEach(() => {
  session.accounts = [];
  session.accountId = '';
});

describe('Accounts page', () => {
  it('shows each account with its key, store, connection, budget and permissions', async () => {
    const withdraw = account({
      id: 'binance2',
      label: 'Risky',
      market: 'futures',
      testnet: true,
      secretStore: 'vault_file',
      permissions: { canRead: true, canTradeSpot: false, canTradeFutures: true, canWithdraw: true, ipRestricted: false },
      warnings: ['This API key works from any IP address.'],
      connection: { state: 'reconnecting', detail: 'attempt 2: reset', weightUsed: null, weightLimit: null, clockOffsetMs: null },
    });
    setup([DEMO_ACCOUNT, account(), withdraw]);
    const spot = card('Binance spot');
    expect(spot.getByTestId('key-hint').textContent).toBe('…h8A9');
    expect(spot.getByTestId('secret-store-label').textContent).toBe('OS keychain');
    expect(spot.getByTestId('weight-budget').textContent).toBe('weight 120 / 6000 per minute');
    expect(spot.getByTestId('clock-offset').textContent).toContain('clock −12 ms');
    expect(spot.getByTestId('connection-state').dataset.state).toBe('connected');
    expect(spot.getByTestId('perm-withdraw').dataset.granted).toBe('false');
    expect(spot.getByTestId('live-switch').getAttribute('aria-checked')).toBe('false');

    const risky = card('Risky');
    expect(risky.getByTestId('account-market').textContent).toBe('USD-M Futures');
    expect(risky.getByTestId('account-testnet')).toBeTruthy();
    expect(risky.getByTestId('secret-store-label').textContent).toBe('Encrypted vault file');
    expect(risky.getByTestId('perm-withdraw').classList.contains('danger')).toBe(true);
    expect(risky.getByTestId('connection-detail').textContent).toBe('attempt 2: reset');
    expect(risky.getByTestId('account-warnings').textContent).toContain('any IP address');

    const demo = card('Demo exchange');
    expect(demo.queryByTestId('account-edit')).toBeNull();
    expect(demo.queryByTestId('account-remove')).toBeNull();
    expect((demo.getByTestId('live-switch') as HTMLButtonElement).disabled).toBe(true);
  });

  it('asks for the app password to go live and shows a wrong password inline', async () => {
    let password = '';
    const { of } = setup([account()], (cmd, args) => {
      if (cmd === 'set_account_live') {
        if (args.password !== 'right-password') throw { code: 'wrong_password', message: 'Wrong app password' };
        password = String(args.password);
        return account({ live: true });
      }
      return null;
    });
    await waitFor(() => expect(of('security_status').length).toBeGreaterThan(0));
    const c = card('Binance spot');
    await fireEvent.click(c.getByTestId('live-switch'));
    expect(of('set_account_live')).toHaveLength(0);
    await fireEvent.input(c.getByTestId('live-password'), { target: { value: 'nope' } });
    await fireEvent.click(c.getByTestId('live-confirm'));
    await waitFor(() => expect(c.getByTestId('live-error').textContent).toBe('Wrong app password'));
    expect(of('set_account_live')[0]?.[1]).toEqual({ accountId: 'binance1', live: true, password: 'nope' });
    // The field is cleared after a refusal.
    expect((c.getByTestId('live-password') as HTMLInputElement).value).toBe('');
    await fireEvent.input(c.getByTestId('live-password'), { target: { value: 'right-password' } });
    await fireEvent.click(c.getByTestId('live-confirm'));
    await waitFor(() => expect(card('Binance spot').getByTestId('live-switch').getAttribute('aria-checked')).toBe('true'));
    expect(password).toBe('right-password');
    expect(session.accounts[0]?.live).toBe(true);
  });

  it('switches to read-only without a password', async () => {
    const { of } = setup([account({ live: true })], (cmd) => (cmd === 'set_account_live' ? account({ live: false }) : null));
    await waitFor(() => expect(of('security_status').length).toBeGreaterThan(0));
    await fireEvent.click(card('Binance spot').getByTestId('live-switch'));
    await waitFor(() => expect(of('set_account_live')[0]?.[1]).toEqual({ accountId: 'binance1', live: false, password: null }));
  });

  it('confirms removal and shows has_open_orders', async () => {
    const { of } = setup([account()], (cmd) => {
      if (cmd === 'remove_account') throw { code: 'has_open_orders', message: 'Binance spot has 2 open orders.' };
      return null;
    });
    await fireEvent.click(card('Binance spot').getByTestId('account-remove'));
    expect(of('remove_account')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('remove-confirm'));
    await waitFor(() => expect(screen.getByTestId('remove-error').textContent).toMatch(/^Binance spot has 2 open orders\. Cancel them/));
    expect(of('remove_account')[0]?.[1]).toEqual({ accountId: 'binance1' });
  });

  it('tests endpoints and shows the secret audit', async () => {
    setup([account()], (cmd) => {
      if (cmd === 'test_endpoints') {
        return [
          { url: 'https://api.binance.com', healthy: true, latencyMs: 42, error: null, coolingDown: false },
          { url: 'https://api2.binance.com', healthy: false, latencyMs: null, error: 'HTTP 429', coolingDown: true },
        ];
      }
      if (cmd === 'secret_audit') return [{ accountId: 'binance1', tsMs: 1_763_751_600_000, action: 'read', purpose: 'connect' }];
      return null;
    });
    const c = card('Binance spot');
    await fireEvent.click(c.getByTestId('account-test-endpoints'));
    await waitFor(() => expect(c.getAllByTestId('endpoint-row')).toHaveLength(2));
    const rows = c.getAllByTestId('endpoint-row');
    expect(rows[0]?.textContent).toMatch(/api\.binance\.com.*42 ms.*Healthy/);
    expect(rows[1]?.textContent).toMatch(/—.*Cooling down.*HTTP 429/);
    await fireEvent.click(c.getByTestId('account-audit'));
    await waitFor(() => expect(c.getAllByTestId('audit-row')).toHaveLength(1));
    expect(c.getByTestId('audit-row').textContent).toMatch(/read.*connect/);
  });

  it('adds an account: validates, shows progress, sends the exact request and clears the secret', async () => {
    let resolveAdd: ((v: AccountView) => void) | null = null;
    const list = [DEMO_ACCOUNT];
    const { of } = setup(list, (cmd) => {
      if (cmd === 'add_account') return new Promise<AccountView>((r) => (resolveAdd = r));
      return null;
    });
    await fireEvent.click(screen.getByTestId('account-add'));
    expect(screen.queryByTestId('form-passphrase')).toBeNull();
    await fireEvent.click(screen.getByTestId('form-submit'));
    expect(screen.getByTestId('form-error-label')).toBeTruthy();
    expect(screen.getByTestId('form-error-apiKey').textContent).toBe('Paste the API key');
    expect(of('add_account')).toHaveLength(0);

    await fireEvent.click(screen.getByTestId('form-market-futures'));
    await fireEvent.input(screen.getByTestId('form-label'), { target: { value: 'Main futures' } });
    await fireEvent.input(screen.getByTestId('form-api-key'), { target: { value: 'KEY12345678' } });
    await fireEvent.input(screen.getByTestId('form-secret'), { target: { value: 'SECRET987' } });
    expect((screen.getByTestId('form-secret') as HTMLInputElement).type).toBe('password');
    await fireEvent.click(screen.getByTestId('form-secret-toggle'));
    expect((screen.getByTestId('form-secret') as HTMLInputElement).type).toBe('text');
    await fireEvent.input(screen.getByTestId('form-proxy'), { target: { value: '127.0.0.1:1080' } });
    await fireEvent.click(screen.getByTestId('form-submit'));
    expect(screen.getByTestId('form-error-proxy').textContent).toMatch(/socks5:\/\/host:port/);
    await fireEvent.input(screen.getByTestId('form-proxy'), { target: { value: 'socks5://127.0.0.1:1080' } });
    await fireEvent.click(screen.getByTestId('form-testnet'));
    await fireEvent.click(screen.getByTestId('form-submit'));

    await waitFor(() => expect(screen.getByTestId('form-progress').textContent).toContain("Connecting to Binance and checking the key's permissions"));
    expect(of('add_account')[0]?.[1]).toEqual({
      request: {
        venue: 'binance',
        market: 'futures',
        label: 'Main futures',
        apiKey: 'KEY12345678',
        secret: 'SECRET987',
        passphrase: null,
        testnet: true,
        proxy: 'socks5://127.0.0.1:1080',
      },
    });
    const added = account({ id: 'binance5', label: 'Main futures', market: 'futures' });
    list.push(added);
    resolveAdd!(added);
    await waitFor(() => expect(screen.queryByTestId('account-form')).toBeNull());
    expect(session.accounts.map((a) => a.id)).toContain('binance5');
    // Nothing of the key is left in the page.
    expect(document.body.innerHTML).not.toContain('SECRET987');
    expect(JSON.stringify(localStorage)).not.toContain('SECRET987');
  });

  it('explains a key that can withdraw and clears the key fields', async () => {
    setup([DEMO_ACCOUNT], (cmd) => {
      if (cmd === 'add_account') throw { code: 'key_can_withdraw', message: 'withdrawals enabled' };
      return null;
    });
    await fireEvent.click(screen.getByTestId('account-add'));
    await fireEvent.input(screen.getByTestId('form-label'), { target: { value: 'Main' } });
    await fireEvent.input(screen.getByTestId('form-api-key'), { target: { value: 'KEY12345678' } });
    await fireEvent.input(screen.getByTestId('form-secret'), { target: { value: 'SECRET987' } });
    await fireEvent.click(screen.getByTestId('form-submit'));
    await waitFor(() => expect(screen.getByTestId('form-error').textContent).toMatch(/can withdraw funds.*withdrawals off/));
    expect((screen.getByTestId('form-api-key') as HTMLInputElement).value).toBe('');
    expect((screen.getByTestId('form-secret') as HTMLInputElement).value).toBe('');
  });

  it('links to the security section when no secret store is available', async () => {
    setup([DEMO_ACCOUNT], (cmd) => {
      if (cmd === 'add_account') throw { code: 'secrets_unavailable', message: 'No keychain and no vault.' };
      return null;
    });
    await fireEvent.click(screen.getByTestId('account-add'));
    await fireEvent.input(screen.getByTestId('form-label'), { target: { value: 'Main' } });
    await fireEvent.input(screen.getByTestId('form-api-key'), { target: { value: 'KEY12345678' } });
    await fireEvent.input(screen.getByTestId('form-secret'), { target: { value: 'S' } });
    await fireEvent.click(screen.getByTestId('form-submit'));
    await waitFor(() => expect(screen.getByTestId('form-security-link').getAttribute('href')).toBe('#/settings'));
  });

  it('edits an account keeping the stored key', async () => {
    const list = [account()];
    const { of } = setup(list, (cmd) => {
      if (cmd !== 'update_account') return null;
      list[0] = account({ label: 'Renamed' });
      return list[0];
    });
    await fireEvent.click(card('Binance spot').getByTestId('account-edit'));
    expect((screen.getByTestId('form-label') as HTMLInputElement).value).toBe('Binance spot');
    expect(screen.queryByTestId('form-venue')).toBeNull();
    await fireEvent.input(screen.getByTestId('form-label'), { target: { value: 'Renamed' } });
    await fireEvent.click(screen.getByTestId('form-submit'));
    await waitFor(() => expect(of('update_account')).toHaveLength(1));
    expect(of('update_account')[0]?.[1]).toEqual({
      request: { id: 'binance1', label: 'Renamed', testnet: false, proxy: null, apiKey: null, secret: null, passphrase: null },
    });
    await waitFor(() => expect(screen.queryByTestId('account-form')).toBeNull());
    expect(card('Renamed')).toBeTruthy();
  });
});
