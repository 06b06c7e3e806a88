import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { SWITCH_UNITS, SwitchUnitsCommand } from './switch-units.command';

@CommandHandler(SwitchUnitsCommand)
export class SwitchUnitsHandler implements ICommandHandler<SwitchUnitsCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: SwitchUnitsCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(SWITCH_UNITS.request(command));
  }
}
