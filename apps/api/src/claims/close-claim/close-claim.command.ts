import { CloseClaimBodySchema, decideCloseClaim, type CloseClaim } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class CloseClaimCommand {
  constructor(
    readonly command: CloseClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/close (claims): closes the claim, releasing the reserve left. */
export const CLOSE_CLAIM = entityCommandRoute({
  pattern: /^\/v1\/claims\/([^/]+)\/close$/,
  roles: ['claims'],
  kind: 'claim',
  summary: 'Close a claim, releasing the reserve left.',
  body: CloseClaimBodySchema,
  example: { commandId: '405162738495a6b7c8d9eaf10c1d2e3f', effectiveDate: '2026-06-30' },
  idField: 'claimId',
  parse: (body, claimId): CloseClaim => ({ ...parseBody(CloseClaimBodySchema, body), claimId }),
  make: (command, meta) => new CloseClaimCommand(command, meta),
  decide: decideCloseClaim,
});
