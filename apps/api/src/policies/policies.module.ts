import { Module } from '@nestjs/common';

import { BindPolicyController } from './bind-policy/bind-policy.controller';
import { BindPolicyHandler } from './bind-policy/bind-policy.handler';
import { CancelPolicyController } from './cancel-policy/cancel-policy.controller';
import { CancelPolicyHandler } from './cancel-policy/cancel-policy.handler';
import { EndorsePolicyController } from './endorse-policy/endorse-policy.controller';
import { EndorsePolicyHandler } from './endorse-policy/endorse-policy.handler';
import { GetPolicyController } from './get-policy/get-policy.controller';
import { GetPolicyHandler } from './get-policy/get-policy.query';
import { RecordPremiumPaymentController } from './record-premium-payment/record-premium-payment.controller';
import { RecordPremiumPaymentHandler } from './record-premium-payment/record-premium-payment.handler';
import { RefundPremiumController } from './refund-premium/refund-premium.controller';
import { RefundPremiumHandler } from './refund-premium/refund-premium.handler';

/** Non-life policies: one folder per use case (command, handler, route, schema from @app/domain). */
@Module({
  controllers: [BindPolicyController, EndorsePolicyController, CancelPolicyController, RecordPremiumPaymentController, RefundPremiumController, GetPolicyController],
  providers: [BindPolicyHandler, EndorsePolicyHandler, CancelPolicyHandler, RecordPremiumPaymentHandler, RefundPremiumHandler, GetPolicyHandler],
})
export class PoliciesModule {}
