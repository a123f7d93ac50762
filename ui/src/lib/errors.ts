import type { ErrorCode } from '../ipc/bindings';

/** Where an order error is shown in the ticket. */
export type TicketField = 'qty' | 'price' | 'form';

/** Switches on the code, never on the message text. */
export function fieldForCode(code: ErrorCode): TicketField {
  switch (code) {
    case 'quantity_too_small':
    case 'quantity_too_large':
    case 'quantity_off_step':
    case 'notional_too_small':
    case 'insufficient_balance':
      return 'qty';
    case 'price_invalid':
    case 'price_off_tick':
      return 'price';
    default:
      return 'form';
  }
}

