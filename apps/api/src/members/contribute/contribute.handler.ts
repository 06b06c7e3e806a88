import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CONTRIBUTE, ContributeCommand } from './contribute.command';

@CommandHandler(ContributeCommand)
export class ContributeHandler implements ICommandHandler<ContributeCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: ContributeCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CONTRIBUTE.request(command));
  }
}
