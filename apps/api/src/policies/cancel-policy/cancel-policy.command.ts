import { CancelPolicyBodySchema, NotFoundError, decideCancelPolicy, type CancelPolicy } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class CancelPolicyCommand {
  constructor(
    readonly command: CancelPolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/cancellation (underwriter): cancels the policy effective effectiveDate (pro-rata or short-rate). */
export const CANCEL_POLICY: CommandRoute<CancelPolicyCommand> = {
  pattern: /^\/v1\/policies\/([^/]+)\/cancellation$/,
  roles: ['underwriter'],
  parse: ([policyId], meta) => {
    const id = parseEntityId(policyId, 'policyId');
    return new CancelPolicyCommand({ ...parseBody(CancelPolicyBodySchema, meta.body), policyId: id }, meta);
  },
  request: ({ command, meta }) => {
    const key = `policy/${command.policyId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => {
        // Inside decide: an unknown policy is a recorded outcome of this commandId.
        const policy = state.policy(command.policyId);
        if (!policy) throw new NotFoundError('policy', command.policyId);
        return decideCancelPolicy(policy, command);
      },
    };
  },
};
