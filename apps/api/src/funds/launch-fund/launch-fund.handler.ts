import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { LAUNCH_FUND, LaunchFundCommand } from './launch-fund.command';

@CommandHandler(LaunchFundCommand)
export class LaunchFundHandler implements ICommandHandler<LaunchFundCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: LaunchFundCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(LAUNCH_FUND.request(command));
  }
}
