import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { ReverseCommandCommand, ReverseCommandRoute } from './reverse-command.command';

@CommandHandler(ReverseCommandCommand)
export class ReverseCommandHandler implements ICommandHandler<ReverseCommandCommand, CommandOutcome> {
  constructor(
    @Inject(CommandPipeline) private readonly pipeline: CommandPipeline,
    @Inject(ReverseCommandRoute) private readonly route: ReverseCommandRoute,
  ) {}

  execute(command: ReverseCommandCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(this.route.request(command));
  }
}
