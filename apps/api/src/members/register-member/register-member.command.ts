import { RegisterMemberSchema, decideRegisterMember, type RegisterMember } from '@app/domain';

import { parseBody } from '../../http/validation';
import type { CommandMeta, CommandRoute } from '../../ledger/command-route';

export class RegisterMemberCommand {
  constructor(
    readonly command: RegisterMember,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members (pensions): registers a member, dated the UTC day the ledger clock reads. */
export const REGISTER_MEMBER: CommandRoute<RegisterMemberCommand> = {
  pattern: /^\/v1\/members$/,
  roles: ['pensions'],
  parse: (_params, meta) => new RegisterMemberCommand(parseBody(RegisterMemberSchema, meta.body), meta),
  request: ({ command, meta }) => {
    const key = `member/${command.memberId}`;
    return {
      path: meta.path,
      body: meta.body,
      commandId: command.commandId,
      actor: meta.actor.id,
      locks: [key],
      partitionKey: key,
      decide: (state) => decideRegisterMember(state.member(command.memberId), command, state.store.clock.now().slice(0, 10)),
    };
  },
};
