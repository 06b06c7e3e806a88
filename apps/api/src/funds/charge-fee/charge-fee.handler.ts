import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CHARGE_FEE, ChargeFeeCommand } from './charge-fee.command';

@CommandHandler(ChargeFeeCommand)
export class ChargeFeeHandler implements ICommandHandler<ChargeFeeCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: ChargeFeeCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CHARGE_FEE.request(command));
  }
}
