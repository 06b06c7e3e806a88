import { SwitchBodySchema, decideSwitch, type Switch } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta } from '../../ledger/command-route';
import { memberDealingRoute } from '../member-dealing';

export class SwitchUnitsCommand {
  constructor(
    readonly command: Switch,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members/{memberId}/switches (pensions): sells units of one fund and buys another with the proceeds, on one date. */
export const SWITCH_UNITS = memberDealingRoute({
  pattern: /^\/v1\/members\/([^/]+)\/switches$/,
  parse: (body, memberId): Switch => ({ ...parseBody(SwitchBodySchema, body), memberId }),
  make: (command, meta) => new SwitchUnitsCommand(command, meta),
  fundIds: (command) => [command.fromFundId, command.toFundId],
  decide: (member, [fromFund, toFund], command) => decideSwitch(member, fromFund, toFund, command),
});
