import { SettleFeesBodySchema, decideSettleFees, type SettleFees } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class SettleFeesCommand {
  constructor(
    readonly command: SettleFees,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds/{fundId}/fee-settlements (fund-admin): pays fees payable out of the fund's assets. */
export const SETTLE_FEES = entityCommandRoute({
  pattern: /^\/v1\/funds\/([^/]+)\/fee-settlements$/,
  roles: ['fund-admin'],
  kind: 'fund',
  summary: "Pay fees payable out of the fund's assets (fees payable Dr / fund assets Cr).",
  body: SettleFeesBodySchema,
  example: { commandId: '6172839405a6b7c8d9eaf10c1d2e3f41', effectiveDate: '2026-03-31', amount: '0.01' },
  idField: 'fundId',
  parse: (body, fundId): SettleFees => ({ ...parseBody(SettleFeesBodySchema, body), fundId }),
  make: (command, meta) => new SettleFeesCommand(command, meta),
  decide: decideSettleFees,
});
