import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { ClosePeriodCommand, ClosePeriodRoute } from './close-period.command';

@CommandHandler(ClosePeriodCommand)
export class ClosePeriodHandler implements ICommandHandler<ClosePeriodCommand, CommandOutcome> {
  constructor(
    @Inject(CommandPipeline) private readonly pipeline: CommandPipeline,
    @Inject(ClosePeriodRoute) private readonly route: ClosePeriodRoute,
  ) {}

  execute(command: ClosePeriodCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(this.route.request(command));
  }
}
