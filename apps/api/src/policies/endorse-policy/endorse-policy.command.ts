import { EndorsePolicyBodySchema, NotFoundError, decideEndorsePolicy, type EndorsePolicy } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class EndorsePolicyCommand {
  constructor(
    readonly command: EndorsePolicy,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/policies/{policyId}/endorsements (underwriter): changes the full-term premium from effectiveDate. */
export const ENDORSE_POLICY: CommandRoute<EndorsePolicyCommand> = {
  pattern: /^\/v1\/policies\/([^/]+)\/endorsements$/,
  roles: ['underwriter'],
  parse: ([policyId], meta) => {
    const id = parseEntityId(policyId, 'policyId');
    return new EndorsePolicyCommand({ ...parseBody(EndorsePolicyBodySchema, meta.body), policyId: id }, meta);
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
        return decideEndorsePolicy(policy, command);
      },
    };
  },
};
