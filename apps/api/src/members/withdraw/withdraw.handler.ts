import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { WITHDRAW, WithdrawCommand } from './withdraw.command';

@CommandHandler(WithdrawCommand)
export class WithdrawHandler implements ICommandHandler<WithdrawCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: WithdrawCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(WITHDRAW.request(command));
  }
}
