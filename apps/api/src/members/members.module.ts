import { Module } from '@nestjs/common';

import { ContributeController } from './contribute/contribute.controller';
import { ContributeHandler } from './contribute/contribute.handler';
import { GetMemberController } from './get-member/get-member.controller';
import { GetMemberHandler } from './get-member/get-member.query';
import { GetStatementController } from './get-statement/get-statement.controller';
import { GetStatementHandler } from './get-statement/get-statement.query';
import { RegisterMemberController } from './register-member/register-member.controller';
import { RegisterMemberHandler } from './register-member/register-member.handler';
import { SwitchUnitsController } from './switch-units/switch-units.controller';
import { SwitchUnitsHandler } from './switch-units/switch-units.handler';
import { WithdrawController } from './withdraw/withdraw.controller';
import { WithdrawHandler } from './withdraw/withdraw.handler';

/** Pension members (pensions): registration, contributions (and transfers in), switches between funds, withdrawals, statements; one folder per use case. */
@Module({
  controllers: [RegisterMemberController, ContributeController, SwitchUnitsController, WithdrawController, GetMemberController, GetStatementController],
  providers: [RegisterMemberHandler, ContributeHandler, SwitchUnitsHandler, WithdrawHandler, GetMemberHandler, GetStatementHandler],
})
export class MembersModule {}
