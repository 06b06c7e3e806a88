import { ChangeReserveBodySchema, decideChangeReserve, type ChangeReserve } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class ChangeReserveCommand {
  constructor(
    readonly command: ChangeReserve,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/reserve (claims): a signed change of the case reserve. */
export const CHANGE_RESERVE = entityCommandRoute({
  pattern: /^\/v1\/claims\/([^/]+)\/reserve$/,
  roles: ['claims'],
  kind: 'claim',
  summary: "Change a claim's case reserve by a signed amount.",
  body: ChangeReserveBodySchema,
  example: { commandId: '3f405162738495a6b7c8d9eaf10c1d2e', effectiveDate: '2026-04-01', change: '-200.00' },
  idField: 'claimId',
  parse: (body, claimId): ChangeReserve => ({ ...parseBody(ChangeReserveBodySchema, body), claimId }),
  make: (command, meta) => new ChangeReserveCommand(command, meta),
  decide: decideChangeReserve,
});
