import { RegisterMemberSchema, decideRegisterMember, type RegisterMember } from '@app/domain';

import { parseBody } from '../../http/validation';
import { newEntityCommandRoute, type CommandMeta } from '../../ledger/command-route';

export class RegisterMemberCommand {
  constructor(
    readonly command: RegisterMember,
    readonly meta: CommandMeta,
  ) {}
}

/** POST /v1/members (pensions): registers a member, dated the UTC day it is recorded on. */
export const REGISTER_MEMBER = newEntityCommandRoute({
  pattern: /^\/v1\/members$/,
  roles: ['pensions'],
  kind: 'member',
  id: (command: RegisterMember) => command.memberId,
  parse: (body) => parseBody(RegisterMemberSchema, body),
  make: (command, meta) => new RegisterMemberCommand(command, meta),
  decide: (existing, command, recordDate) => decideRegisterMember(existing, command, recordDate),
});
