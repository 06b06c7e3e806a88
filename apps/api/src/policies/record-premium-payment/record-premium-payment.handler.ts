import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { RECORD_PREMIUM_PAYMENT, RecordPremiumPaymentCommand } from './record-premium-payment.command';

@CommandHandler(RecordPremiumPaymentCommand)
export class RecordPremiumPaymentHandler implements ICommandHandler<RecordPremiumPaymentCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: RecordPremiumPaymentCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(RECORD_PREMIUM_PAYMENT.request(command));
  }
}
