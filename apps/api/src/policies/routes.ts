// Every command route of the policies area, for /v1/batch (which checks and
// runs each command exactly as its own controller would).
import type { CommandRoute } from '../ledger/command-route';
import { BIND_POLICY } from './bind-policy/bind-policy.command';
import { CANCEL_POLICY } from './cancel-policy/cancel-policy.command';
import { ENDORSE_POLICY } from './endorse-policy/endorse-policy.command';
import { RECORD_PREMIUM_PAYMENT } from './record-premium-payment/record-premium-payment.command';
import { REFUND_PREMIUM } from './refund-premium/refund-premium.command';

export const POLICY_COMMAND_ROUTES: readonly CommandRoute<unknown>[] = [BIND_POLICY, ENDORSE_POLICY, CANCEL_POLICY, RECORD_PREMIUM_PAYMENT, REFUND_PREMIUM];
