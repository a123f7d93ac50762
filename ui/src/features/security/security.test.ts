import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { SecurityView } from '../../ipc/bindings';
import * as ipc from '../../ipc/client';
import LockScreen from './LockScreen.svelte';
import SecurityPanel from './SecurityPanel.svelte';
import { newPasswordError, security } from './security.svelte';

const status = (over: Partial<SecurityView> = {}): SecurityView => ({
  secretStore: 'keychain',
  keychainError: null,
  vaultFileExists: false,
  vaultUnlocked: false,
  appLockEnabled: false,
  appLocked: false,
  ...over,
});

describe('passwords', () => {
  it('needs 8 characters and a matching confirmation', () => {
    expect(newPasswordError('short', 'short')).toEqual({ password: 'Use at least 8 characters' });
    expect(newPasswordError('long enough', 'long enougH')).toEqual({ confirm: 'The two passwords differ' });
    expect(newPasswordError('long enough', 'long enough')).toEqual({});
  });
});

describe('LockScreen', () => {
  it('shows a wrong password inline and unlocks with the right one', async () => {
    const tried: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'unlock_app') return null;
      const pw = (args as { password: string }).password;
      tried.push(pw);
      if (pw !== 'keel-demo') throw { code: 'wrong_password', message: 'Wrong app password' };
      return status({ appLockEnabled: true, appLocked: false });
    });
    security.apply(status({ appLockEnabled: true, appLocked: true }));
    let unlocked = 0;
    render(LockScreen, { props: { onUnlocked: () => unlocked++ } });
    await fireEvent.click(screen.getByTestId('lock-submit'));
    expect(screen.getByTestId('lock-error').textContent).toBe('Enter the app password');
    expect(tried).toHaveLength(0);
    await fireEvent.input(screen.getByTestId('lock-password'), { target: { value: 'guess' } });
    await fireEvent.click(screen.getByTestId('lock-submit'));
    await waitFor(() => expect(screen.getByTestId('lock-error').textContent).toBe('Wrong password. Try again.'));
    expect(security.locked).toBe(true);
    await fireEvent.input(screen.getByTestId('lock-password'), { target: { value: 'keel-demo' } });
    await fireEvent.click(screen.getByTestId('lock-submit'));
    await waitFor(() => expect(unlocked).toBe(1));
    expect(security.locked).toBe(false);
    expect(tried).toEqual(['guess', 'keel-demo']);
  });

  it('locks again when any command is refused with app_locked', async () => {
    mockIPC(() => {
      throw { code: 'app_locked', message: 'Keel is locked.' };
    });
    security.apply(status());
    const off = ipc.onAppLocked(() => security.lockNow());
    await expect(ipc.listOpenOrders('demo')).rejects.toMatchObject({ code: 'app_locked' });
    off();
    expect(security.locked).toBe(true);
  });
});

describe('SecurityPanel', () => {
  it('warns about the vault file and creates it after checking the passwords', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'security_status') return status({ secretStore: 'vault_file', keychainError: 'no secret service' });
      if (cmd === 'create_vault') return status({ secretStore: 'vault_file', vaultFileExists: true, vaultUnlocked: true });
      return null;
    });
    render(SecurityPanel);
    await waitFor(() => expect(screen.getByTestId('secret-store').textContent).toMatch(/No keychain: encrypted vault file.*no secret service/s));
    await fireEvent.input(screen.getByTestId('vault-password'), { target: { value: 'short' } });
    await fireEvent.click(screen.getByTestId('vault-submit'));
    expect(screen.getByTestId('vault-error-password').textContent).toBe('Use at least 8 characters');
    await fireEvent.input(screen.getByTestId('vault-password'), { target: { value: 'a long vault pw' } });
    await fireEvent.input(screen.getByTestId('vault-confirm'), { target: { value: 'a long vault pw' } });
    await fireEvent.click(screen.getByTestId('vault-submit'));
    await waitFor(() => expect(screen.getByTestId('vault-state').textContent).toContain('unlocked'));
    expect(calls.filter(([c]) => c === 'create_vault')).toEqual([['create_vault', { password: 'a long vault pw' }]]);
    expect(screen.queryByTestId('vault-form')).toBeNull();
  });

  it('sets, then removes the app password (wrong current password inline)', async () => {
    const calls: [string, unknown][] = [];
    let enabled = false;
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'security_status') return status({ appLockEnabled: enabled });
      if (cmd === 'set_app_lock') {
        const a = args as { current: string | null; new: string | null };
        if (enabled && a.current !== 'password-1') throw { code: 'wrong_password', message: 'Wrong app password' };
        enabled = a.new !== null;
        return status({ appLockEnabled: enabled });
      }
      return null;
    });
    render(SecurityPanel);
    await waitFor(() => expect(screen.getByTestId('secret-store').dataset.store).toBe('keychain'));
    await fireEvent.click(screen.getByTestId('app-lock-set'));
    await fireEvent.input(screen.getByTestId('app-lock-new'), { target: { value: 'password-1' } });
    await fireEvent.input(screen.getByTestId('app-lock-confirm'), { target: { value: 'password-2' } });
    await fireEvent.click(screen.getByTestId('app-lock-submit'));
    expect(screen.getByTestId('app-lock-error-confirm').textContent).toBe('The two passwords differ');
    await fireEvent.input(screen.getByTestId('app-lock-confirm'), { target: { value: 'password-1' } });
    await fireEvent.click(screen.getByTestId('app-lock-submit'));
    await waitFor(() => expect(screen.getByTestId('app-lock-state').textContent).toBe('On'));
    expect(calls.find(([c]) => c === 'set_app_lock')?.[1]).toEqual({ current: null, new: 'password-1' });

    await fireEvent.click(screen.getByTestId('app-lock-remove'));
    await fireEvent.input(screen.getByTestId('app-lock-current'), { target: { value: 'wrong' } });
    await fireEvent.click(screen.getByTestId('app-lock-submit'));
    await waitFor(() => expect(screen.getByTestId('app-lock-error-current').textContent).toBe('Wrong app password'));
    await fireEvent.input(screen.getByTestId('app-lock-current'), { target: { value: 'password-1' } });
    await fireEvent.click(screen.getByTestId('app-lock-submit'));
    await waitFor(() => expect(screen.getByTestId('app-lock-state').textContent).toBe('Off'));
    expect(calls.filter(([c]) => c === 'set_app_lock').at(-1)?.[1]).toEqual({ current: 'password-1', new: null });
  });
});
