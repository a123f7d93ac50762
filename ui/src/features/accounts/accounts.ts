// The Accounts page's logic, free of any UI: labels for venues, markets, connection states and
// key permissions; the add/edit form's checks and the exact requests; error texts by code.

import type {
  AccountView,
  AppError,
  ConnectionView,
  KeyPermissionsView,
  NewAccountRequest,
  UpdateAccountRequest,
} from '../../ipc/bindings';

/** A venue Keel can connect, with the markets it offers and whether its keys have a passphrase. */
export interface VenueSpec {
  id: string;
  name: string;
  markets: readonly { id: string; label: string }[];
  passphrase: boolean;
}

export const VENUES: readonly VenueSpec[] = [
  {
    id: 'binance',
    name: 'Binance',
    markets: [
      { id: 'spot', label: 'Spot' },
      { id: 'futures', label: 'USD-M Futures' },
    ],
    passphrase: false,
  },
];

export const venueSpec = (venue: string): VenueSpec | undefined => VENUES.find((v) => v.id === venue);

export function venueName(venue: string): string {
  if (venue === 'demo') return 'Demo';
  return venueSpec(venue)?.name ?? venue.charAt(0).toUpperCase() + venue.slice(1);
}

export function marketLabel(market: string): string {
  if (market === 'futures') return 'USD-M Futures';
  if (market === 'spot') return 'Spot';
  return market;
}

/** The Demo exchange: shown, never edited or removed. */
export const isDemo = (a: Pick<AccountView, 'venue'>): boolean => a.venue === 'demo';

/** A paper account: simulated fills on a real account's market, its own balances. */
export const isPaper = (a: Pick<AccountView, 'venue'>): boolean => a.venue === 'paper';

export function secretStoreLabel(store: string): string {
  switch (store) {
    case 'keychain':
      return 'OS keychain';
    case 'vault_file':
      return 'Encrypted vault file';
    case 'none':
      return 'No key';
    default:
      return store;
  }
}

export type ConnectionTone = 'ok' | 'wait' | 'bad';

export function connectionTone(state: string): ConnectionTone {
  if (state === 'connected') return 'ok';
  if (state === 'down') return 'bad';
  return 'wait';
}

export function connectionLabel(state: string): string {
  switch (state) {
    case 'connected':
      return 'Connected';
    case 'connecting':
      return 'Connecting';
    case 'reconnecting':
      return 'Reconnecting';
    case 'rate_limited':
      return 'Rate limited';
    case 'down':
      return 'Down';
    default:
      return state;
  }
}

/** "weight 120 / 6000 per minute" and the share used (0..1), when the venue reports a budget. */
export function weightBudget(c: ConnectionView): { text: string; used: number } | null {
  if (c.weightUsed === null || c.weightLimit === null || c.weightLimit <= 0) return null;
  return {
    text: `weight ${c.weightUsed} / ${c.weightLimit} per minute`,
    used: Math.min(1, Math.max(0, c.weightUsed / c.weightLimit)),
  };
}

/** "clock +12 ms" (how far the venue's clock is ahead of ours). */
export function clockOffsetText(ms: number | null): string | null {
  if (ms === null) return null;
  return `clock ${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${Math.abs(ms)} ms`;
}

export interface PermissionChip {
  key: 'read' | 'spot' | 'futures' | 'withdraw';
  label: string;
  granted: boolean;
  /** Withdrawal rights are a danger, not a feature. */
  danger: boolean;
}

export function permissionChips(p: KeyPermissionsView): PermissionChip[] {
  return [
    { key: 'read', label: 'Read', granted: p.canRead, danger: false },
    { key: 'spot', label: 'Spot trading', granted: p.canTradeSpot, danger: false },
    { key: 'futures', label: 'Futures trading', granted: p.canTradeFutures, danger: false },
    { key: 'withdraw', label: 'Withdraw', granted: p.canWithdraw, danger: p.canWithdraw },
  ];
}

/** Proxies the engine accepts: http(s):// or socks5(h)://, with a host. */
export function proxyError(proxy: string): string | undefined {
  const p = proxy.trim();
  if (p === '') return undefined;
  const ok = /^(https?|socks5h?):\/\/[^\s/]+/i.test(p) && !/\s/.test(p);
  return ok ? undefined : 'Use http://host:port or socks5://host:port (user:password@ is allowed before the host)';
}

export interface AccountForm {
  venue: string;
  market: string;
  label: string;
  apiKey: string;
  secret: string;
  passphrase: string;
  testnet: boolean;
  proxy: string;
}

export type AccountFormField = 'label' | 'apiKey' | 'secret' | 'passphrase' | 'proxy' | 'form';
export type AccountFormErrors = Partial<Record<AccountFormField, string>>;

export function emptyAccountForm(): AccountForm {
  return { venue: 'binance', market: 'spot', label: '', apiKey: '', secret: '', passphrase: '', testnet: false, proxy: '' };
}

/** The form for editing an account: its settings, the key fields empty (empty = keep). */
export function formFromAccount(a: AccountView): AccountForm {
  return { ...emptyAccountForm(), venue: a.venue, market: a.market, label: a.label, testnet: a.testnet, proxy: a.proxy ?? '' };
}

function checkKey(what: string, value: string, required: boolean): string | undefined {
  if (value === '') return required ? `Paste the ${what}` : undefined;
  if (value.trim() !== value) return `The ${what} starts or ends with spaces: paste it again`;
  return undefined;
}

/**
 * Checks the form. Adding needs every key field; editing keeps the stored key when the key fields
 * are all empty, and needs all of them when any is filled (a new key replaces the whole set).
 */
export function validateAccountForm(f: AccountForm, editing: boolean): AccountFormErrors {
  const errors: AccountFormErrors = {};
  const label = f.label.trim();
  if (label === '' || [...label].length > 60) errors.label = 'Give the account a name of 1 to 60 characters';
  const passphrase = venueSpec(f.venue)?.passphrase ?? false;
  const required = !editing || f.apiKey !== '' || f.secret !== '' || (passphrase && f.passphrase !== '');
  const apiKey = checkKey('API key', f.apiKey, required);
  if (apiKey) errors.apiKey = apiKey;
  const secret = checkKey('secret key', f.secret, required);
  if (secret) errors.secret = secret;
  if (passphrase) {
    const p = checkKey('passphrase', f.passphrase, required);
    if (p) errors.passphrase = p;
  }
  const proxy = proxyError(f.proxy);
  if (proxy) errors.proxy = proxy;
  return errors;
}

const proxyValue = (p: string): string | null => (p.trim() === '' ? null : p.trim());

export function newAccountRequest(f: AccountForm): NewAccountRequest {
  const passphrase = venueSpec(f.venue)?.passphrase ?? false;
  return {
    venue: f.venue,
    market: f.market,
    label: f.label.trim(),
    apiKey: f.apiKey,
    secret: f.secret,
    passphrase: passphrase ? f.passphrase : null,
    testnet: f.testnet,
    proxy: proxyValue(f.proxy),
  };
}

export function updateAccountRequest(id: string, f: AccountForm): UpdateAccountRequest {
  const passphrase = venueSpec(f.venue)?.passphrase ?? false;
  const keep = f.apiKey === '' && f.secret === '' && (!passphrase || f.passphrase === '');
  return {
    id,
    label: f.label.trim(),
    testnet: f.testnet,
    proxy: proxyValue(f.proxy),
    apiKey: keep ? null : f.apiKey,
    secret: keep ? null : f.secret,
    passphrase: keep || !passphrase ? null : f.passphrase,
  };
}

/** Where the engine's refusal of an add/edit goes, and what the trader reads. */
export function accountFormError(e: AppError, venue: string): { field: AccountFormField; message: string; security?: boolean } {
  const name = venueName(venue);
  switch (e.code) {
    case 'key_can_withdraw':
      return {
        field: 'form',
        message:
          `This API key can withdraw funds, so Keel refuses it. In ${name}'s API management, create a key ` +
          'with reading and trading only (withdrawals off), then paste that one.',
      };
    case 'key_invalid':
      return { field: 'apiKey', message: `${name} did not accept this key: ${e.message}` };
    case 'key_permission_missing':
      return { field: 'form', message: e.message };
    case 'secrets_unavailable':
      return {
        field: 'form',
        message: `${e.message} Set up where keys are kept in the Security section first.`,
        security: true,
      };
    case 'venue_unavailable':
      return { field: 'form', message: `Could not reach ${name}: ${e.message}` };
    case 'invalid_input':
      if (/proxy/i.test(e.message)) return { field: 'proxy', message: e.message };
      if (/name of 1 to 60/i.test(e.message)) return { field: 'label', message: e.message };
      return { field: 'form', message: e.message };
    default:
      return { field: 'form', message: e.message };
  }
}

/** Accounts that can show a market: connected ones (the Demo exchange always is). */
export const connectedAccounts = (accounts: readonly AccountView[]): AccountView[] =>
  accounts.filter((a) => a.connection.state === 'connected');
