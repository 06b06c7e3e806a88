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
  parse: (body, memberId): Contribute => ({ ...parseBody(ContributeBodySchema, body), memberId }),
  make: (command, meta) => new ContributeCommand(command, meta),
  fundIds: (command) => [command.fundId],
  decide: (member, [fund], command) => decideContribute(member, fund, command),
});
