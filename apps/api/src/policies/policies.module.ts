import { Module } from '@nestjs/common';

import { BindPolicyController } from './bind-policy/bind-policy.controller';
import { BindPolicyHandler } from './bind-policy/bind-policy.handler';
import { GetPolicyController } from './get-policy/get-policy.controller';
import { GetPolicyHandler } from './get-policy/get-policy.query';

/** Non-life policies: one folder per use case (command, handler, route, schema from @app/domain). */
@Module({
  controllers: [BindPolicyController, GetPolicyController],
  providers: [BindPolicyHandler, GetPolicyHandler],
})
export class PoliciesModule {}
