import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { REOPEN_CLAIM, ReopenClaimCommand } from './reopen-claim.command';

@CommandHandler(ReopenClaimCommand)
export class ReopenClaimHandler implements ICommandHandler<ReopenClaimCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: ReopenClaimCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(REOPEN_CLAIM.request(command));
  }
}
