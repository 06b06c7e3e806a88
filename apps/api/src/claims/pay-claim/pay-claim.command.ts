import { NotFoundError, PayClaimBodySchema, decidePayClaim, type PayClaim } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class PayClaimCommand {
  constructor(
    readonly command: PayClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/payments (claims): pays out of the case reserve. */
export const PAY_CLAIM: CommandRoute<PayClaimCommand> = {
  pattern: /^\/v1\/claims\/([^/]+)\/payments$/,
  roles: ['claims'],
  parse: ([claimId], meta) => {
    const id = parseEntityId(claimId, 'claimId');
    return new PayClaimCommand({ ...parseBody(PayClaimBodySchema, meta.body), claimId: id }, meta);
  },
  request: ({ command, meta }) => {
    const key = `claim/${command.claimId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => {
        // Inside decide: an unknown claim is a recorded outcome of this commandId.
        const claim = state.claim(command.claimId);
        if (!claim) throw new NotFoundError('claim', command.claimId);
        return decidePayClaim(claim, command);
      },
    };
  },
};
