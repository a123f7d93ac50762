import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import OrderTicket from './OrderTicket.svelte';
import { BTC, order } from '../../test/fixtures';
import { toasts } from '../../lib/toast.svelte';

function setup(handler: (cmd: string, args: unknown) => unknown = () => order(), paused = false) {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    return handler(cmd, args);
  });
  render(OrderTicket, {
    props: { accountId: 'demo', instrument: BTC, lastPrice: '65012.30', baseFree: '0.5', quoteFree: '100', paused },
  });
  return { calls, placed: () => calls.filter(([c]) => c === 'place_order') };
}

async function typeInto(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

describe('OrderTicket', () => {
  it('shows a too-small quantity under the quantity field and does not send', async () => {
    const { placed } = setup();
    await typeInto('ticket-qty', '0.000001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    expect(screen.getByTestId('ticket-error-qty').textContent).toBe('Minimum amount is 0.00001 BTC');
    expect(screen.queryByTestId('ticket-error-price')).toBeNull();
    expect(placed()).toHaveLength(0);
  });

  it('shows a price off the tick under the price field', async () => {
    const { placed } = setup();
    await fireEvent.click(screen.getByTestId('ticket-kind-limit'));
    expect((screen.getByTestId('ticket-price') as HTMLInputElement).value).toBe('65012.30');
    await typeInto('ticket-price', '65000.123');
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    expect(screen.getByTestId('ticket-error-price').textContent).toBe('Price must be a multiple of the tick size 0.01 USDT');
    expect(placed()).toHaveLength(0);
  });

  it('refuses an order the balance cannot pay for', async () => {
    const { placed } = setup();
    await typeInto('ticket-qty', '0.01');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    expect(screen.getByTestId('ticket-error-qty').textContent).toMatch(/^Insufficient USDT/);
    expect(placed()).toHaveLength(0);
  });

  it('sends a valid order with the exact request shape and toasts the fill', async () => {
    const { placed } = setup();
    await fireEvent.click(screen.getByTestId('ticket-kind-limit'));
    await typeInto('ticket-price', '65000.50');
    await typeInto('ticket-qty', '0.00100');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(placed()).toHaveLength(1));
    expect(placed()[0]?.[1]).toEqual({
      request: {
        accountId: 'demo',
        symbol: 'BTC/USDT',
        side: 'buy',
        kind: 'limit',
        price: '65000.50',
        amount: { unit: 'base', value: '0.00100' },
      },
    });
    await waitFor(() => expect(screen.queryByTestId('ticket-error-form')).toBeNull());
    expect(toasts.some((t) => t.text === 'Bought 0.001 BTC @ 65,012.30')).toBe(true);
  });

  it('sends a market sell sized in quote', async () => {
    const { placed } = setup();
    await fireEvent.click(screen.getByTestId('ticket-sell'));
    await fireEvent.click(screen.getByTestId('ticket-unit-quote'));
    await typeInto('ticket-qty', '50');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(placed()).toHaveLength(1));
    expect(placed()[0]?.[1]).toEqual({
      request: { accountId: 'demo', symbol: 'BTC/USDT', side: 'sell', kind: 'market', price: null, amount: { unit: 'quote', value: '50' } },
    });
  });

  it('shows a server insufficient_balance error under the quantity field', async () => {
    const message = 'Insufficient USDT: this order needs about 65.01 USDT, 64.9 USDT is free';
    setup((cmd) => {
      if (cmd === 'place_order') throw { code: 'insufficient_balance', message };
      return null;
    });
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(screen.getByTestId('ticket-error-qty').textContent).toBe(message));
    expect(screen.queryByTestId('ticket-error-form')).toBeNull();
  });

  it('shows server price errors under price and others at form level', async () => {
    let reply: { code: string; message: string } = { code: 'price_off_tick', message: 'price 65000.5 is not a multiple of the tick 1' };
    setup((cmd) => {
      if (cmd === 'place_order') throw reply;
      return null;
    });
    await fireEvent.click(screen.getByTestId('ticket-kind-limit'));
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(screen.getByTestId('ticket-error-price').textContent).toBe(reply.message));

    reply = { code: 'trading_paused', message: 'Trading is paused.' };
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(screen.getByTestId('ticket-error-form').textContent).toBe('Trading is paused.'));
  });

  it('fills the quantity from a quick % button', async () => {
    setup();
    await fireEvent.click(screen.getByTestId('ticket-pct-100'));
    // 100 USDT / (65012.30 * 1.001), floored to the 0.00001 step.
    expect((screen.getByTestId('ticket-qty') as HTMLInputElement).value).toBe('0.00153');
  });

  it('re-validates as the trader types after a failed submit', async () => {
    setup();
    await typeInto('ticket-qty', '0.000001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    expect(screen.getByTestId('ticket-error-qty')).toBeTruthy();
    await typeInto('ticket-qty', '0.001');
    expect(screen.queryByTestId('ticket-error-qty')).toBeNull();
  });

  it('disables the submit button while trading is paused and says so once', async () => {
    const { placed } = setup(undefined, true);
    const submit = screen.getByTestId('ticket-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    expect(submit.textContent?.trim()).toBe('Trading paused');
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(submit);
    await fireEvent.submit(screen.getByTestId('order-ticket'));
    expect(placed()).toHaveLength(0);
    expect(screen.getAllByText(/paused/i).filter((el) => el !== submit)).toHaveLength(1);
    expect(screen.getByTestId('ticket-error-form').textContent).toMatch(/Trading is paused/);
  });

  it('enables the submit button again when trading resumes', async () => {
    mockIPC(() => order());
    const { rerender } = render(OrderTicket, {
      props: { accountId: 'demo', instrument: BTC, lastPrice: '65012.30', baseFree: '0.5', quoteFree: '100', paused: true },
    });
    expect((screen.getByTestId('ticket-submit') as HTMLButtonElement).disabled).toBe(true);
    await rerender({ paused: false });
    const submit = screen.getByTestId('ticket-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(false);
    expect(submit.textContent?.trim()).toBe('Buy BTC');
    expect(screen.queryByTestId('ticket-error-form')).toBeNull();
  });

  it('shows a server trading_paused refusal once, also after the pause reaches the ticket', async () => {
    const message = 'Trading is paused. Resume it from the top bar or the tray menu to place orders.';
    mockIPC((cmd) => {
      if (cmd === 'place_order') throw { code: 'trading_paused', message };
      return null;
    });
    const { rerender } = render(OrderTicket, {
      props: { accountId: 'demo', instrument: BTC, lastPrice: '65012.30', baseFree: '0.5', quoteFree: '100', paused: false },
    });
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(screen.getByTestId('ticket-error-form').textContent).toBe(message));
    await rerender({ paused: true });
    expect(screen.getAllByTestId('ticket-error-form')).toHaveLength(1);
    expect(screen.getByTestId('ticket-error-form').textContent).toBe(message);
    expect((screen.getByTestId('ticket-submit') as HTMLButtonElement).disabled).toBe(true);
    await rerender({ paused: false });
    expect(screen.queryByTestId('ticket-error-form')).toBeNull();
  });
});

describe('OrderTicket: conditional kinds, futures and read-only accounts', () => {
  function setupFutures(props: Record<string, unknown> = {}) {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return order({ status: 'open', filledQty: '0', filledQuote: '0' });
    });
    render(OrderTicket, {
      props: { accountId: 'binance2', instrument: BTC, lastPrice: '65012.30', baseFree: '0', quoteFree: '1000', futures: true, ...props },
    });
    return () => calls.filter(([c]) => c === 'place_order');
  }

  it('says a read-only account cannot trade and sends nothing', async () => {
    const placed = setupFutures({ live: false });
    expect(screen.getByTestId('ticket-read-only').textContent).toMatch(/Read-only: switch to live on the Accounts page/);
    const submit = screen.getByTestId('ticket-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.submit(screen.getByTestId('order-ticket'));
    expect(placed()).toHaveLength(0);
  });

  it('needs a trigger for a stop and shows it under the trigger field', async () => {
    const placed = setupFutures();
    await fireEvent.click(screen.getByTestId('ticket-kind-stop'));
    expect(screen.getByTestId('ticket-tif')).toBeTruthy();
    await typeInto('ticket-qty', '0.01');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    expect(screen.getByTestId('ticket-error-stop').textContent).toBe('Enter a trigger price above 0');
    expect(placed()).toHaveLength(0);
  });

  it('sends a futures stop-market that closes the position, without an amount field', async () => {
    const placed = setupFutures();
    await fireEvent.click(screen.getByTestId('ticket-sell'));
    await fireEvent.click(screen.getByTestId('ticket-kind-stop'));
    await fireEvent.click(screen.getByTestId('ticket-cond-market'));
    expect(screen.queryByTestId('ticket-tif')).toBeNull();
    expect((screen.getByTestId('ticket-unit-quote') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('ticket-close-position'));
    expect(screen.queryByTestId('ticket-qty')).toBeNull();
    expect(screen.getByTestId('ticket-closing-note')).toBeTruthy();
    await typeInto('ticket-stop', '60000');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(placed()).toHaveLength(1));
    expect(placed()[0]?.[1]).toEqual({
      request: {
        accountId: 'binance2',
        symbol: 'BTC/USDT',
        side: 'sell',
        kind: 'stop_market',
        price: null,
        amount: { unit: 'quote', value: '5' },
        options: { stopPrice: '60000', timeInForce: 'gtc', reduceOnly: false, closePosition: true, positionSide: 'both' },
      },
    });
  });

  it('sends a reduce-only take-profit limit with its time in force and position side', async () => {
    const placed = setupFutures();
    await fireEvent.click(screen.getByTestId('ticket-sell'));
    await fireEvent.click(screen.getByTestId('ticket-kind-take_profit'));
    expect(screen.queryByTestId('ticket-close-position')).toBeNull();
    await typeInto('ticket-stop', '70000');
    await typeInto('ticket-price', '69990.00');
    await typeInto('ticket-qty', '0.010');
    await fireEvent.change(screen.getByTestId('ticket-tif'), { target: { value: 'fok' } });
    await fireEvent.click(screen.getByTestId('ticket-reduce-only'));
    await fireEvent.change(screen.getByTestId('ticket-position-side'), { target: { value: 'long' } });
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(placed()).toHaveLength(1));
    expect(placed()[0]?.[1]).toEqual({
      request: {
        accountId: 'binance2',
        symbol: 'BTC/USDT',
        side: 'sell',
        kind: 'take_profit_limit',
        price: '69990.00',
        amount: { unit: 'base', value: '0.010' },
        options: { stopPrice: '70000', timeInForce: 'fok', reduceOnly: true, closePosition: false, positionSide: 'long' },
      },
    });
  });

  it('hides the futures flags on spot and sends post-only without options', async () => {
    const { placed } = setup();
    expect(screen.queryByTestId('ticket-futures')).toBeNull();
    await fireEvent.click(screen.getByTestId('ticket-kind-limit_maker'));
    expect(screen.queryByTestId('ticket-tif')).toBeNull();
    await typeInto('ticket-price', '65000.00');
    await typeInto('ticket-qty', '0.001');
    await fireEvent.click(screen.getByTestId('ticket-submit'));
    await waitFor(() => expect(placed()).toHaveLength(1));
    expect(placed()[0]?.[1]).toEqual({
      request: { accountId: 'demo', symbol: 'BTC/USDT', side: 'buy', kind: 'limit_maker', price: '65000.00', amount: { unit: 'base', value: '0.001' } },
    });
  });
});
