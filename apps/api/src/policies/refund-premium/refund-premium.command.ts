import { RefundPremiumBodySchema, decideRefundPremium, type RefundPremium } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class RefundPremiumCommand {
  constructor(
    readonly command: RefundPremium,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/refunds (underwriter, finance): pays a credit balance back to the holder. */
export const REFUND_PREMIUM = entityCommandRoute({
  pattern: /^\/v1\/policies\/([^/]+)\/refunds$/,
  roles: ['underwriter', 'finance'],
  kind: 'policy',
  summary: 'Pay a credit balance of a policy back to its holder (return premium payable Dr / cash Cr).',
  body: RefundPremiumBodySchema,
  example: { commandId: '3e3f405162738495a6b7c8d9eaf10c1d', amount: '1512.33', paidDate: '2026-07-10' },
  idField: 'policyId',
  parse: (body, policyId): RefundPremium => ({ ...parseBody(RefundPremiumBodySchema, body), policyId }),
  make: (command, meta) => new RefundPremiumCommand(command, meta),
  decide: decideRefundPremium,
});
