import { NotFoundError, OpenClaimSchema, decideOpenClaim, type OpenClaim } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class OpenClaimCommand {
  constructor(
    readonly command: OpenClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims (claims): opens a claim on a policy, for a loss in its term while in force. */
export const OPEN_CLAIM: CommandRoute<OpenClaimCommand> = {
  pattern: /^\/v1\/claims$/,
  roles: ['claims'],
  summary: 'Open a claim on a policy, for a loss in its term while in force.',
  body: OpenClaimSchema,
  example: {
    commandId: '1a2b3c4d5e6f708192a3b4c5d6e7f809',
    claimId: 'C-1',
    policyId: 'P-1',
    lossDate: '2026-03-02',
    reportedDate: '2026-03-05',
    initialReserve: '1000.00',
  },
  parse: (_params, meta) => new OpenClaimCommand(parseBody(OpenClaimSchema, meta.body), meta),
  request: ({ command, meta }) => {
    const key = `claim/${command.claimId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      // The decider reads the policy (term, cancellation, currency): hold it still while deciding.
      locks: [key, `policy/${command.policyId}`],
      partitionKey: key,
      decide: (state) => {
        // Inside decide: an unknown policy is a recorded outcome of this commandId.
        const policy = state.policy(command.policyId);
        if (!policy) throw new NotFoundError('policy', command.policyId);
        return decideOpenClaim(state.claim(command.claimId), policy, command);
      },
    };
  },
};
