import { describe, expect, it } from 'vitest';
import { mockIPC } from '@tauri-apps/api/mocks';
import * as ipc from './client';

describe('client', () => {
  it('calls commands by their Rust names with camelCase args', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'get_candles') return [];
      if (cmd === 'cancel_order') return { id: 7 };
      return null;
    });
    await ipc.getCandles('demo', 'BTC/USDT', 720);
    await ipc.cancelOrder('demo', 7);
    await ipc.exportFillsCsv({ accountId: 'demo' }, null);
    await ipc.setTradingPaused(true);
    await ipc.uiReady();
    expect(calls).toEqual([
      ['get_candles', { accountId: 'demo', symbol: 'BTC/USDT', limit: 720 }],
      ['cancel_order', { accountId: 'demo', orderId: 7 }],
      ['export_fills_csv', { filter: { accountId: 'demo' }, path: null }],
      ['set_trading_paused', { paused: true }],
      ['ui_ready', {}],
    ]);
  });

  it('rejects with the AppError Rust sent', async () => {
    mockIPC(() => {
      throw { code: 'insufficient_balance', message: 'Insufficient USDT: needs about 70 USDT, 5 USDT is free' };
    });
    await expect(ipc.listOpenOrders('demo')).rejects.toEqual({
      code: 'insufficient_balance',
      message: 'Insufficient USDT: needs about 70 USDT, 5 USDT is free',
    });
  });

  it('maps Tauri-level string rejections and unknown shapes to internal', async () => {
    mockIPC(() => Promise.reject('command list_fills not allowed by ACL'));
    await expect(ipc.listFills({})).rejects.toEqual({ code: 'internal', message: 'command list_fills not allowed by ACL' });

    mockIPC(() => {
      throw { code: 'no_such_code', message: 'from a newer engine' };
    });
    await expect(ipc.appInfo()).rejects.toEqual({ code: 'internal', message: 'from a newer engine' });

    mockIPC(() => {
      throw new Error('boom');
    });
    await expect(ipc.appInfo()).rejects.toEqual({ code: 'internal', message: 'boom' });
  });

  it('recognises AppErrors', () => {
    expect(ipc.isAppError({ code: 'price_off_tick', message: 'x' })).toBe(true);
    expect(ipc.isAppError({ code: 'price_off_tick' })).toBe(false);
    expect(ipc.isAppError('price_off_tick')).toBe(false);
    expect(ipc.toAppError(undefined)).toEqual({ code: 'internal', message: 'Unexpected error from the engine' });
  });

  it('delivers channel messages and unsubscribes once on close', async () => {
    const calls: [string, unknown][] = [];
    let channel: { onmessage: (m: unknown) => void } | null = null;
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'subscribe_market') {
        channel = (args as { onBatch: { onmessage: (m: unknown) => void } }).onBatch;
        return 42;
      }
      return null;
    });
    const got: unknown[] = [];
    const sub = await ipc.subscribeMarket('demo', 'BTC/USDT', (b) => got.push(b));
    expect(sub.id).toBe(42);
    expect(calls[0]?.[1]).toMatchObject({ accountId: 'demo', symbol: 'BTC/USDT' });
    channel!.onmessage({ symbol: 'BTC/USDT' });
    expect(got).toEqual([{ symbol: 'BTC/USDT' }]);
    await sub.close();
    await sub.close();
    expect(calls.filter(([c]) => c === 'unsubscribe')).toEqual([['unsubscribe', { subscriptionId: 42 }]]);
    channel!.onmessage({ symbol: 'late' });
    expect(got).toHaveLength(1);
  });

  it('calls the account and security commands with their Rust names and args', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await ipc.setAccountLive('binance1', true, 'pw');
    await ipc.setAccountLive('binance1', false);
    await ipc.removeAccount('binance1');
    await ipc.testEndpoints('binance1');
    await ipc.listPositions('binance2');
    await ipc.secretAudit(null);
    await ipc.setAppLock(null, 'new-password');
    await ipc.unlockApp('pw');
    await ipc.createVault('vault-pw');
    await ipc.unlockVault('vault-pw');
    await ipc.securityStatus();
    expect(calls).toEqual([
      ['set_account_live', { accountId: 'binance1', live: true, password: 'pw' }],
      ['set_account_live', { accountId: 'binance1', live: false, password: null }],
      ['remove_account', { accountId: 'binance1' }],
      ['test_endpoints', { accountId: 'binance1' }],
      ['list_positions', { accountId: 'binance2' }],
      ['secret_audit', { accountId: null }],
      ['set_app_lock', { current: null, new: 'new-password' }],
      ['unlock_app', { password: 'pw' }],
      ['create_vault', { password: 'vault-pw' }],
      ['unlock_vault', { password: 'vault-pw' }],
      ['security_status', {}],
    ]);
  });

  it('knows the new error codes', () => {
    for (const code of ['account_not_live', 'key_can_withdraw', 'key_permission_missing', 'key_invalid', 'secrets_unavailable', 'wrong_password', 'app_locked', 'has_open_orders']) {
      expect(ipc.toAppError({ code, message: 'm' })).toEqual({ code, message: 'm' });
    }
  });
});
