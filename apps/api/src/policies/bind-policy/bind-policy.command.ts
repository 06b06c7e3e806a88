import { BindPolicySchema, decideBindPolicy, type BindPolicy } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class BindPolicyCommand {
  constructor(
    readonly command: BindPolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies (underwriter): binds a policy. */
export const BIND_POLICY: CommandRoute<BindPolicyCommand> = {
  pattern: /^\/v1\/policies$/,
  roles: ['underwriter'],
  parse: (_params, meta) => new BindPolicyCommand(parseBody(BindPolicySchema, meta.body), meta),
  request: ({ command, meta }) => {
    const key = `policy/${command.policyId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => decideBindPolicy(state.policy(command.policyId), command),
    };
  },
};
