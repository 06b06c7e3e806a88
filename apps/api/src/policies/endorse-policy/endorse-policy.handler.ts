import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

import type { CommandOutcome } from '../../http/reply';
import { CommandPipeline } from '../../ledger/command-pipeline';
import { ENDORSE_POLICY, EndorsePolicyCommand } from './endorse-policy.command';

@CommandHandler(EndorsePolicyCommand)
export class EndorsePolicyHandler implements ICommandHandler<EndorsePolicyCommand, CommandOutcome> {
  constructor(@Inject(CommandPipeline) private readonly pipeline: CommandPipeline) {}

  execute(command: EndorsePolicyCommand): Promise<CommandOutcome> {
    return this.pipeline.execute(ENDORSE_POLICY.request(command));
  }
}
