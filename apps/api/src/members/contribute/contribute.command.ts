import { ContributeBodySchema, decideContribute, type Contribute } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta } from '../../ledger/command-route';
import { memberDealingRoute } from '../member-dealing';

export class ContributeCommand {
  constructor(
    readonly command: Contribute,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members/{memberId}/contributions (pensions): buys units of a fund at the NAV of the contribution's date. */
export const CONTRIBUTE = memberDealingRoute({
  pattern: /^\/v1\/members\/([^/]+)\/contributions$/,
  summary: "Contribute money to a member's account: units of a fund bought at the NAV struck for effectiveDate.",
  body: ContributeBodySchema,
  example: { commandId: '708192a3b4c5d6e7f8091a2b3c4d5e6f', fundId: 'F-1', amount: '1000.00', effectiveDate: '2026-03-31' },
  parse: (body, memberId): Contribute => ({ ...parseBody(ContributeBodySchema, body), memberId }),
  make: (command, meta) => new ContributeCommand(command, meta),
  fundIds: (command) => [command.fundId],
  decide: (member, [fund], command) => decideContribute(member, fund, command),
});
