import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CANCEL_POLICY, CancelPolicyCommand } from './cancel-policy.command';

@CommandHandler(CancelPolicyCommand)
export class CancelPolicyHandler implements ICommandHandler<CancelPolicyCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: CancelPolicyCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CANCEL_POLICY.request(command));
  }
}
