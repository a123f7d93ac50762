import { describe, expect, it } from 'vitest';
import {
  accountFormError,
  clockOffsetText,
  connectedAccounts,
  emptyAccountForm,
  formFromAccount,
  newAccountRequest,
  permissionChips,
  proxyError,
  updateAccountRequest,
  validateAccountForm,
  weightBudget,
  type AccountForm,
} from './accounts';
import { account, DEMO_ACCOUNT } from '../../test/fixtures';

const form = (over: Partial<AccountForm> = {}): AccountForm => ({
  ...emptyAccountForm(),
  label: 'Main',
  apiKey: 'abcdefgh12345678',
  secret: 'sEcReT-value',
  ...over,
});

describe('account form', () => {
  it('builds the exact add request (no passphrase for Binance, proxy trimmed)', () => {
    expect(newAccountRequest(form({ market: 'futures', testnet: true, proxy: ' socks5://127.0.0.1:1080 ', passphrase: 'ignored' }))).toEqual({
      venue: 'binance',
      market: 'futures',
      label: 'Main',
      apiKey: 'abcdefgh12345678',
      secret: 'sEcReT-value',
      passphrase: null,
      testnet: true,
      proxy: 'socks5://127.0.0.1:1080',
    });
  });

  it('needs every key field when adding, none when editing', () => {
    expect(validateAccountForm(form({ apiKey: '', secret: '' }), false)).toEqual({
      apiKey: 'Paste the API key',
      secret: 'Paste the secret key',
    });
    expect(validateAccountForm(form({ apiKey: '', secret: '' }), true)).toEqual({});
    // A new key replaces the whole set.
    expect(validateAccountForm(form({ apiKey: 'newkey123456', secret: '' }), true)).toEqual({ secret: 'Paste the secret key' });
  });

  it('refuses keys with spaces around them, empty names and bad proxies', () => {
    expect(validateAccountForm(form({ label: '  ', apiKey: ' abc', proxy: 'ftp://x' }), false)).toEqual({
      label: 'Give the account a name of 1 to 60 characters',
      apiKey: 'The API key starts or ends with spaces: paste it again',
      proxy: 'Use http://host:port or socks5://host:port (user:password@ is allowed before the host)',
    });
  });

  it.each([
    ['', true],
    ['http://10.0.0.2:3128', true],
    ['https://proxy.example:443', true],
    ['socks5://user:pw@127.0.0.1:1080', true],
    ['socks5h://127.0.0.1:1080', true],
    ['127.0.0.1:1080', false],
    ['socks4://127.0.0.1:1080', false],
    ['http://', false],
    ['http://a b', false],
  ])('proxy %j valid=%s', (proxy, ok) => {
    expect(proxyError(proxy) === undefined).toBe(ok);
  });

  it('edits keep the stored key when the key fields are empty', () => {
    const a = account({ proxy: 'http://p:1', testnet: true });
    const f = formFromAccount(a);
    expect(f).toMatchObject({ label: 'Binance spot', testnet: true, proxy: 'http://p:1', apiKey: '', secret: '' });
    expect(updateAccountRequest(a.id, { ...f, label: 'Renamed', proxy: '' })).toEqual({
      id: 'binance1',
      label: 'Renamed',
      testnet: true,
      proxy: null,
      apiKey: null,
      secret: null,
      passphrase: null,
    });
    expect(updateAccountRequest(a.id, { ...f, apiKey: 'k1234567', secret: 's' })).toMatchObject({ apiKey: 'k1234567', secret: 's', passphrase: null });
  });

  it('turns engine refusals into field or form messages by code', () => {
    expect(accountFormError({ code: 'key_can_withdraw', message: 'x' }, 'binance')).toEqual({
      field: 'form',
      message: expect.stringMatching(/can withdraw funds.*withdrawals off/),
    });
    expect(accountFormError({ code: 'key_invalid', message: 'API-key format invalid' }, 'binance')).toEqual({
      field: 'apiKey',
      message: 'Binance did not accept this key: API-key format invalid',
    });
    expect(accountFormError({ code: 'secrets_unavailable', message: 'No keychain.' }, 'binance')).toMatchObject({ field: 'form', security: true });
    expect(accountFormError({ code: 'venue_unavailable', message: 'timed out' }, 'binance').message).toBe('Could not reach Binance: timed out');
    expect(accountFormError({ code: 'invalid_input', message: 'Proxy "x" is not valid' }, 'binance').field).toBe('proxy');
  });
});

describe('account display', () => {
  it('shows the request budget and clock offset', () => {
    expect(weightBudget(account().connection)).toEqual({ text: 'weight 120 / 6000 per minute', used: 0.02 });
    expect(weightBudget(DEMO_ACCOUNT.connection)).toBeNull();
    expect(clockOffsetText(-12)).toBe('clock −12 ms');
    expect(clockOffsetText(37)).toBe('clock +37 ms');
    expect(clockOffsetText(null)).toBeNull();
  });

  it('marks withdrawal as a danger only when granted', () => {
    const chips = permissionChips({ canRead: true, canTradeSpot: true, canTradeFutures: false, canWithdraw: true, ipRestricted: false });
    expect(chips.map((c) => [c.key, c.granted, c.danger])).toEqual([
      ['read', true, false],
      ['spot', true, false],
      ['futures', false, false],
      ['withdraw', true, true],
    ]);
    expect(permissionChips({ canRead: true, canTradeSpot: true, canTradeFutures: false, canWithdraw: false, ipRestricted: true })[3]?.danger).toBe(false);
  });

  it('offers connected accounts only for markets', () => {
    const down = account({ id: 'b2', connection: { ...account().connection, state: 'down' } });
    expect(connectedAccounts([DEMO_ACCOUNT, account(), down]).map((a) => a.id)).toEqual(['demo', 'binance1']);
  });
});
