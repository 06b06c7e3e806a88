import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { REFUND_PREMIUM, RefundPremiumCommand } from './refund-premium.command';

@CommandHandler(RefundPremiumCommand)
export class RefundPremiumHandler implements ICommandHandler<RefundPremiumCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: RefundPremiumCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(REFUND_PREMIUM.request(command));
  }
}
