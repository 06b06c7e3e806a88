import { LaunchFundSchema, decideLaunchFund, type LaunchFund } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class LaunchFundCommand {
  constructor(
    readonly command: LaunchFund,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/funds (fund-admin): launches a fund at its launch NAV, dated the UTC day the ledger clock reads. */
export const LAUNCH_FUND: CommandRoute<LaunchFundCommand> = {
  pattern: /^\/v1\/funds$/,
  roles: ['fund-admin'],
  parse: (_params, meta) => new LaunchFundCommand(parseBody(LaunchFundSchema, meta.body), meta),
  request: ({ command, meta }) => {
    const key = `fund/${command.fundId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => decideLaunchFund(state.fund(command.fundId), command, state.store.clock.now().slice(0, 10)),
    };
  },
};
