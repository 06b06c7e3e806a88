import { PayClaimBodySchema, decidePayClaim, type PayClaim } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class PayClaimCommand {
  constructor(
    readonly command: PayClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/payments (claims): pays out of the case reserve. */
export const PAY_CLAIM = entityCommandRoute({
  pattern: /^\/v1\/claims\/([^/]+)\/payments$/,
  roles: ['claims'],
  kind: 'claim',
  summary: 'Pay a claim out of its reserve.',
  body: PayClaimBodySchema,
  example: { commandId: '2b3c4d5e6f708192a3b4c5d6e7f8091a', effectiveDate: '2026-03-20', amount: '400.00' },
  idField: 'claimId',
  parse: (body, claimId): PayClaim => ({ ...parseBody(PayClaimBodySchema, body), claimId }),
  make: (command, meta) => new PayClaimCommand(command, meta),
  decide: decidePayClaim,
});
