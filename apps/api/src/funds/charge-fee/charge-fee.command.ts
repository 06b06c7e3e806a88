import { ChargeFeeBodySchema, decideChargeFee, type ChargeFee, type Decision, type FundState } from '@app/domain';

import { encodeCursor, parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class ChargeFeeCommand {
  constructor(
    readonly command: ChargeFee,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds/{fundId}/fees (fund-admin): a fee by unit cancellation on every holding, at the NAV of its date. */
export const CHARGE_FEE = entityCommandRoute({
  pattern: /^\/v1\/funds\/([^/]+)\/fees$/,
  roles: ['fund-admin'],
  kind: 'fund',
  summary: 'Charge a fee by cancelling units of every holding of the fund.',
  body: ChargeFeeBodySchema,
  example: { commandId: '5162738495a6b7c8d9eaf10c1d2e3f40', effectiveDate: '2026-03-31', rate: '0.001000' },
  idField: 'fundId',
  parse: (body, fundId): ChargeFee => ({ ...parseBody(ChargeFeeBodySchema, body), fundId }),
  make: (command, meta) => new ChargeFeeCommand(command, meta),
  decide: decideWithCursor,
});

/** The decision, its answer's `nextCursor` (the last holding listed, when there are more) made an opaque page cursor for GET .../fees/{commandId}/holdings. */
function decideWithCursor(fund: FundState, command: ChargeFee): Decision {
  const decision = decideChargeFee(fund, command);
  const next = decision.result.nextCursor;
  return typeof next === 'string' ? { ...decision, result: { ...decision.result, nextCursor: encodeCursor(next) } } : decision;
}
