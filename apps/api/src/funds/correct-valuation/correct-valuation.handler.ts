import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CORRECT_VALUATION, CorrectValuationCommand } from './correct-valuation.command';

@CommandHandler(CorrectValuationCommand)
export class CorrectValuationHandler implements ICommandHandler<CorrectValuationCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: CorrectValuationCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CORRECT_VALUATION.request(command));
  }
}
