import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { SETTLE_FEES, SettleFeesCommand } from './settle-fees.command';

@CommandHandler(SettleFeesCommand)
export class SettleFeesHandler implements ICommandHandler<SettleFeesCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: SettleFeesCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(SETTLE_FEES.request(command));
  }
}
