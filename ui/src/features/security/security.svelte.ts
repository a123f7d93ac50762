// Where secrets are kept and the app lock: the lock screen and the Security section read this.

import type { SecurityView } from '../../ipc/bindings';
import * as ipc from '../../ipc/client';

export const MIN_PASSWORD = 8;

/** Client-side check of a new password and its confirmation; undefined when fine. */
export function newPasswordError(password: string, confirm: string): { password?: string; confirm?: string } {
  if ([...password].length < MIN_PASSWORD) return { password: `Use at least ${MIN_PASSWORD} characters` };
  if (password !== confirm) return { confirm: 'The two passwords differ' };
  return {};
}

export class SecurityState {
  status = $state.raw<SecurityView | null>(null);
  /** The lock screen is up: nothing else is usable. */
  locked = $state(false);
  error = $state<string | null>(null);

  /** Reads the status; an engine without the command counts as unlocked. */
  async refresh(): Promise<SecurityView | null> {
    try {
      const status = await ipc.securityStatus();
      this.apply(status);
      this.error = null;
      return status;
    } catch (e) {
      this.error = ipc.toAppError(e).message;
      return null;
    }
  }

  apply(status: SecurityView): void {
    this.status = status;
    this.locked = status.appLocked;
  }

  /** A command was refused with app_locked: put the lock screen up. */
  lockNow(): void {
    this.locked = true;
  }
}

export const security = new SecurityState();
