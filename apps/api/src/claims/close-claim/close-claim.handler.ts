import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { CLOSE_CLAIM, CloseClaimCommand } from './close-claim.command';

@CommandHandler(CloseClaimCommand)
export class CloseClaimHandler implements ICommandHandler<CloseClaimCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: CloseClaimCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(CLOSE_CLAIM.request(command));
  }
}
