import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { BIND_POLICY, BindPolicyCommand } from './bind-policy.command';

@CommandHandler(BindPolicyCommand)
export class BindPolicyHandler implements ICommandHandler<BindPolicyCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: BindPolicyCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(BIND_POLICY.request(command));
  }
}
