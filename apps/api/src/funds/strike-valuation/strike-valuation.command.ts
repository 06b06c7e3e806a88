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
  summary: 'Strike a fund\'s NAV for a date: net assets / units outstanding (the launch NAV while there are none).',
  body: StrikeValuationBodySchema,
  example: { commandId: '5e6f708192a3b4c5d6e7f8091a2b3c4d', valuationDate: '2026-03-31', netAssets: '0.00' },
  idField: 'fundId',
  parse: (body, fundId): StrikeValuation => ({ ...parseBody(StrikeValuationBodySchema, body), fundId }),
  make: (command, meta) => new StrikeValuationCommand(command, meta),
  decide: decideStrikeValuation,
});
