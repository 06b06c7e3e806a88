import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { RECOVER_CLAIM, RecoverClaimCommand } from './recover-claim.command';

@CommandHandler(RecoverClaimCommand)
export class RecoverClaimHandler implements ICommandHandler<RecoverClaimCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: RecoverClaimCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(RECOVER_CLAIM.request(command));
  }
}
