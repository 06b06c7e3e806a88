import { Module } from '@nestjs/common';

import { ContributeController } from './contribute/contribute.controller';
import { ContributeHandler } from './contribute/contribute.handler';
import { GetMemberController } from './get-member/get-member.controller';
import { GetMemberHandler } from './get-member/get-member.query';
import { RegisterMemberController } from './register-member/register-member.controller';
import { RegisterMemberHandler } from './register-member/register-member.handler';
import { SwitchUnitsController } from './switch-units/switch-units.controller';
import { SwitchUnitsHandler } from './switch-units/switch-units.handler';

/** Pension members (pensions): registration, contributions and switches between funds; one folder per use case. */
@Module({
  controllers: [RegisterMemberController, ContributeController, SwitchUnitsController, GetMemberController],
  providers: [RegisterMemberHandler, ContributeHandler, SwitchUnitsHandler, GetMemberHandler],
})
export class MembersModule {}
