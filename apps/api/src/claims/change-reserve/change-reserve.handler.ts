import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CHANGE_RESERVE, ChangeReserveCommand } from './change-reserve.command';

@CommandHandler(ChangeReserveCommand)
export class ChangeReserveHandler implements ICommandHandler<ChangeReserveCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: ChangeReserveCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CHANGE_RESERVE.request(command));
  }
}
