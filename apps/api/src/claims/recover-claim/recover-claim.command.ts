import { RecoverClaimBodySchema, decideRecoverClaim, type RecoverClaim } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class RecoverClaimCommand {
  constructor(
    readonly command: RecoverClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/recoveries (claims): cash recovered against a claim (subrogation, salvage), open or closed. */
export const RECOVER_CLAIM = entityCommandRoute({
  pattern: /^\/v1\/claims\/([^/]+)\/recoveries$/,
  roles: ['claims'],
  kind: 'claim',
  summary: 'Record a recovery on a claim, subrogation or salvage (cash Dr / claims recoveries Cr); it lowers incurred, not the reserve.',
  body: RecoverClaimBodySchema,
  example: { commandId: '738495a6b7c8d9eaf10c1d2e3f405162', effectiveDate: '2026-05-15', amount: '40.00', kind: 'subrogation' },
  idField: 'claimId',
  parse: (body, claimId): RecoverClaim => ({ ...parseBody(RecoverClaimBodySchema, body), claimId }),
  make: (command, meta) => new RecoverClaimCommand(command, meta),
  decide: decideRecoverClaim,
});
