import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { PAY_CLAIM, PayClaimCommand } from './pay-claim.command';

@CommandHandler(PayClaimCommand)
export class PayClaimHandler implements ICommandHandler<PayClaimCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: PayClaimCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(PAY_CLAIM.request(command));
  }
}
