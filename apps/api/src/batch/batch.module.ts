import { Module } from '@nestjs/common';

import { PeriodsModule } from '../periods/periods.module';
import { ReversalsModule } from '../reversals/reversals.module';
import { RunBatchController } from './run-batch/run-batch.controller';
import { RunBatchHandler } from './run-batch/run-batch.handler';

/** POST /v1/batch: up to 8,189 commands, each as if sent alone, durable together. */
@Module({
  imports: [PeriodsModule, ReversalsModule],
  controllers: [RunBatchController],
  providers: [RunBatchHandler],
})
export class BatchModule {}
