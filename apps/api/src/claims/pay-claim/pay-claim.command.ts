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
  idField: 'claimId',
  parse: (body, claimId): PayClaim => ({ ...parseBody(PayClaimBodySchema, body), claimId }),
  make: (command, meta) => new PayClaimCommand(command, meta),
  decide: decidePayClaim,
});
