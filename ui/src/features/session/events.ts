// Fan-out of AccountEvents to whoever cares (open orders, fills, balances).

import type { AccountEvent } from '../../ipc/bindings';

type Kind = AccountEvent['kind'];
type EventOf<K extends Kind> = Extract<AccountEvent, { kind: K }>;
type Listener = (e: AccountEvent) => void;

const listeners = new Set<Listener>();

export function onAccountEvent<K extends Kind>(kinds: readonly K[], fn: (e: EventOf<K>) => void): () => void {
  const listener: Listener = (e) => {
    if ((kinds as readonly Kind[]).includes(e.kind)) fn(e as EventOf<K>);
  };
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function dispatchAccountEvent(e: AccountEvent): void {
  for (const l of listeners) {
    try {
      l(e);
    } catch (err) {
      console.error('account event handler failed', err);
    }
  }
}

/** Calls `fn` at most once per `ms`, trailing: bursts of fills cause one refresh. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  run.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return run;
}
