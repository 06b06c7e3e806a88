import { CorrectValuationBodySchema, decideCorrectValuation, type CorrectValuation } from '@app/domain';

import { parseBody, parseDateParam } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class CorrectValuationCommand {
  constructor(
    readonly command: CorrectValuation,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds/{fundId}/valuations/{date}/corrections (fund-admin): re-strikes a NAV from corrected net assets and re-prices the deals dealt at it. */
export const CORRECT_VALUATION = entityCommandRoute({
  pattern: /^\/v1\/funds\/([^/]+)\/valuations\/([^/]+)\/corrections$/,
  roles: ['fund-admin'],
  kind: 'fund',
  summary: "Correct a NAV error: re-strike the fund's latest NAV from corrected net assets (same formula and units), give every member dealt at it correction units, correct the valuation's posting.",
  body: CorrectValuationBodySchema,
  example: { commandId: '7283940516a7b8c9daebf1021d2e3f42', netAssets: '0.00' },
  idField: 'fundId',
  parse: (body, fundId, [date]): CorrectValuation => ({ ...parseBody(CorrectValuationBodySchema, body), fundId, valuationDate: parseDateParam(date, 'date') }),
  make: (command, meta) => new CorrectValuationCommand(command, meta),
  decide: decideCorrectValuation,
});
