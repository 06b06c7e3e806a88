import { CloseClaimBodySchema, NotFoundError, decideCloseClaim, type CloseClaim } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class CloseClaimCommand {
  constructor(
    readonly command: CloseClaim,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/close (claims): closes the claim, releasing the reserve left. */
export const CLOSE_CLAIM: CommandRoute<CloseClaimCommand> = {
  pattern: /^\/v1\/claims\/([^/]+)\/close$/,
  roles: ['claims'],
  parse: ([claimId], meta) => {
    const id = parseEntityId(claimId, 'claimId');
    return new CloseClaimCommand({ ...parseBody(CloseClaimBodySchema, meta.body), claimId: id }, meta);
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
        return decideCloseClaim(claim, command);
      },
    };
  },
};
