import { Module } from '@nestjs/common';

import { ClaimsReportController } from './claims-report/claims-report.controller';
import { ClaimsReportHandler } from './claims-report/claims-report.query';
import { FundReportController } from './fund-report/fund-report.controller';
import { FundReportHandler } from './fund-report/fund-report.query';
import { PremiumReportController } from './premium-report/premium-report.controller';
import { PremiumReportHandler } from './premium-report/premium-report.query';
import { TrialBalanceController } from './trial-balance/trial-balance.controller';
import { TrialBalanceHandler } from './trial-balance/trial-balance.query';

/** Finance reports: premiums and claims over months (booked or restated), funds over months, the trial balance at (asOf, knownAt). */
@Module({
  controllers: [PremiumReportController, ClaimsReportController, FundReportController, TrialBalanceController],
  providers: [PremiumReportHandler, ClaimsReportHandler, FundReportHandler, TrialBalanceHandler],
})
export class ReportsModule {}
