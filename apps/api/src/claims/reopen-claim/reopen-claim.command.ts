import { ReopenClaimBodySchema, decideReopenClaim, type ReopenClaim } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class ReopenClaimCommand {
  constructor(
    readonly command: ReopenClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/reopen (claims): reopens a closed claim, setting its reserve again. */
export const REOPEN_CLAIM = entityCommandRoute({
  pattern: /^\/v1\/claims\/([^/]+)\/reopen$/,
  roles: ['claims'],
  kind: 'claim',
  summary: 'Reopen a closed claim on or after its close, setting its case reserve again (a reserve change).',
  body: ReopenClaimBodySchema,
  example: { commandId: '62738495a6b7c8d9eaf10c1d2e3f4051', effectiveDate: '2026-07-15', reserve: '250.00' },
  idField: 'claimId',
  parse: (body, claimId): ReopenClaim => ({ ...parseBody(ReopenClaimBodySchema, body), claimId }),
  make: (command, meta) => new ReopenClaimCommand(command, meta),
  decide: decideReopenClaim,
});
