import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { STRIKE_VALUATION, StrikeValuationCommand } from './strike-valuation.command';

@CommandHandler(StrikeValuationCommand)
export class StrikeValuationHandler implements ICommandHandler<StrikeValuationCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: StrikeValuationCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(STRIKE_VALUATION.request(command));
  }
}
