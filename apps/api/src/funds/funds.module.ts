import { Module } from '@nestjs/common';

import { ChargeFeeController } from './charge-fee/charge-fee.controller';
import { ChargeFeeHandler } from './charge-fee/charge-fee.handler';
import { CorrectValuationController } from './correct-valuation/correct-valuation.controller';
import { CorrectValuationHandler } from './correct-valuation/correct-valuation.handler';
import { SettleFeesController } from './settle-fees/settle-fees.controller';
import { SettleFeesHandler } from './settle-fees/settle-fees.handler';
import { GetFeeHoldingsController } from './get-fee-holdings/get-fee-holdings.controller';
import { GetFeeHoldingsHandler } from './get-fee-holdings/get-fee-holdings.query';
import { GetFundController } from './get-fund/get-fund.controller';
import { GetFundHandler } from './get-fund/get-fund.query';
import { LaunchFundController } from './launch-fund/launch-fund.controller';
import { LaunchFundHandler } from './launch-fund/launch-fund.handler';
import { StrikeValuationController } from './strike-valuation/strike-valuation.controller';
import { StrikeValuationHandler } from './strike-valuation/strike-valuation.handler';

/** Pension funds (fund-admin): launch, NAV valuations, fees by unit cancellation; one folder per use case. */
@Module({
  controllers: [LaunchFundController, StrikeValuationController, ChargeFeeController, SettleFeesController, CorrectValuationController, GetFundController, GetFeeHoldingsController],
  providers: [LaunchFundHandler, StrikeValuationHandler, ChargeFeeHandler, SettleFeesHandler, CorrectValuationHandler, GetFundHandler, GetFeeHoldingsHandler],
})
export class FundsModule {}
