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
  summary: 'Register a pension scheme member.',
  body: RegisterMemberSchema,
  example: { commandId: '6f708192a3b4c5d6e7f8091a2b3c4d5e', memberId: 'M-1', name: 'Ann Smith' },
  id: (command: RegisterMember) => command.memberId,
  parse: (body) => parseBody(RegisterMemberSchema, body),
  make: (command, meta) => new RegisterMemberCommand(command, meta),
  decide: (existing, command, recordDate) => decideRegisterMember(existing, command, recordDate),
});
