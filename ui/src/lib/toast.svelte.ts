// Transient notices in the corner. One list for the whole app.

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

const LIFETIME_MS = { success: 4000, info: 4000, error: 7000 } as const;

let nextId = 1;

export const toasts = $state<Toast[]>([]);

export function dismissToast(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i !== -1) toasts.splice(i, 1);
}

export function showToast(text: string, kind: ToastKind = 'info'): number {
  const id = nextId++;
  toasts.push({ id, kind, text });
  while (toasts.length > 4) toasts.shift();
  setTimeout(() => dismissToast(id), LIFETIME_MS[kind]);
  return id;
}
