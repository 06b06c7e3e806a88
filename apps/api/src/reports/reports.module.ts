import { Module } from '@nestjs/common';

import { ClaimsReportController } from './claims-report/claims-report.controller';
import { ClaimsReportHandler } from './claims-report/claims-report.query';
import { PremiumReportController } from './premium-report/premium-report.controller';
import { PremiumReportHandler } from './premium-report/premium-report.query';
import { TrialBalanceController } from './trial-balance/trial-balance.controller';
import { TrialBalanceHandler } from './trial-balance/trial-balance.query';

/** Finance reports: premiums and claims over months (booked or restated), the trial balance at (asOf, knownAt). */
@Module({
  controllers: [PremiumReportController, ClaimsReportController, TrialBalanceController],
  providers: [PremiumReportHandler, ClaimsReportHandler, TrialBalanceHandler],
})
export class ReportsModule {}
