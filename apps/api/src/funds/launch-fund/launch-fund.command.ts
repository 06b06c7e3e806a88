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
  summary: 'Launch a fund with its currency and launch NAV per unit.',
  body: LaunchFundSchema,
  example: { commandId: '4d5e6f708192a3b4c5d6e7f8091a2b3c', fundId: 'F-1', currency: 'EUR', launchNavPerUnit: '1.000000' },
  id: (command: LaunchFund) => command.fundId,
  parse: (body) => parseBody(LaunchFundSchema, body),
  make: (command, meta) => new LaunchFundCommand(command, meta),
  decide: (existing, command, recordDate) => decideLaunchFund(existing, command, recordDate),
});
