import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { OPEN_CLAIM, OpenClaimCommand } from './open-claim.command';

@CommandHandler(OpenClaimCommand)
export class OpenClaimHandler implements ICommandHandler<OpenClaimCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: OpenClaimCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(OPEN_CLAIM.request(command));
  }
}
