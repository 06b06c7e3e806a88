import { StrikeValuationBodySchema, decideStrikeValuation, type StrikeValuation } from '@app/domain';

import { parseBody } from '../../http/validation';
import { entityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class StrikeValuationCommand {
  constructor(
    readonly command: StrikeValuation,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds/{fundId}/valuations (fund-admin): strikes the fund's NAV for a date (forward pricing). */
export const STRIKE_VALUATION = entityCommandRoute({
  pattern: /^\/v1\/funds\/([^/]+)\/valuations$/,
  roles: ['fund-admin'],
  kind: 'fund',
  idField: 'fundId',
  parse: (body, fundId): StrikeValuation => ({ ...parseBody(StrikeValuationBodySchema, body), fundId }),
  make: (command, meta) => new StrikeValuationCommand(command, meta),
  decide: decideStrikeValuation,
});
