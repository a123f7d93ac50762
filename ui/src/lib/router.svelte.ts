// Hash routing: #/dashboard, #/markets, ... One page at a time, no library.

export const PAGES = [
  'dashboard',
  'markets',
  'bots',
  'backtest',
  'data',
  'history',
  'accounts',
  'logs',
  'settings',
] as const;

export type Page = (typeof PAGES)[number];

export function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : 'dashboard';
}

export const route = $state<{ page: Page }>({ page: 'dashboard' });

export function startRouter(): () => void {
  const sync = () => {
    route.page = pageFromHash(window.location.hash);
  };
  sync();
  window.addEventListener('hashchange', sync);
  return () => window.removeEventListener('hashchange', sync);
}

export function navigate(page: Page): void {
  window.location.hash = `#/${page}`;
}
