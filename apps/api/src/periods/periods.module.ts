import { Module } from '@nestjs/common';

import { ClosePeriodRoute } from './close-period/close-period.command';
import { ClosePeriodController } from './close-period/close-period.controller';
import { ClosePeriodHandler } from './close-period/close-period.handler';
import { GetPeriodController } from './get-period/get-period.controller';
import { GetPeriodHandler } from './get-period/get-period.query';

/** Accounting periods: the month-end close (with the earned-premium true-up) and a month's status. */
@Module({
  controllers: [ClosePeriodController, GetPeriodController],
  providers: [ClosePeriodRoute, ClosePeriodHandler, GetPeriodHandler],
  exports: [ClosePeriodRoute],
})
export class PeriodsModule {}
