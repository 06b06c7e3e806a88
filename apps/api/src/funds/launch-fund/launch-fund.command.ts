import { LaunchFundSchema, decideLaunchFund, type LaunchFund } from '@app/domain';

import { parseBody } from '../../http/validation';
import { newEntityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class LaunchFundCommand {
  constructor(
    readonly command: LaunchFund,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds (fund-admin): launches a fund at its launch NAV, dated the UTC day it is recorded on. */
export const LAUNCH_FUND = newEntityCommandRoute({
  pattern: /^\/v1\/funds$/,
  roles: ['fund-admin'],
  kind: 'fund',
  id: (command: LaunchFund) => command.fundId,
  parse: (body) => parseBody(LaunchFundSchema, body),
  make: (command, meta) => new LaunchFundCommand(command, meta),
  decide: (existing, command, recordDate) => decideLaunchFund(existing, command, recordDate),
});
