import { BindPolicySchema, decideBindPolicy, type BindPolicy } from '@app/domain';

import { parseBody } from '../../http/validation';
import { newEntityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class BindPolicyCommand {
  constructor(
    readonly command: BindPolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies (underwriter): binds a policy. */
export const BIND_POLICY = newEntityCommandRoute({
  pattern: /^\/v1\/policies$/,
  roles: ['underwriter'],
  kind: 'policy',
  id: (command: BindPolicy) => command.policyId,
  parse: (body) => parseBody(BindPolicySchema, body),
  make: (command, meta) => new BindPolicyCommand(command, meta),
  decide: (existing, command, recordDate) => decideBindPolicy(existing, command),
});
