import { ChangeReserveBodySchema, NotFoundError, decideChangeReserve, type ChangeReserve } from '@app/domain';

import { parseBody, parseEntityId } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class ChangeReserveCommand {
  constructor(
    readonly command: ChangeReserve,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/claims/{claimId}/reserve (claims): a signed change of the case reserve. */
export const CHANGE_RESERVE: CommandRoute<ChangeReserveCommand> = {
  pattern: /^\/v1\/claims\/([^/]+)\/reserve$/,
  roles: ['claims'],
  parse: ([claimId], meta) => {
    const id = parseEntityId(claimId, 'claimId');
    return new ChangeReserveCommand({ ...parseBody(ChangeReserveBodySchema, meta.body), claimId: id }, meta);
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
        return decideChangeReserve(claim, command);
      },
    };
  },
};
