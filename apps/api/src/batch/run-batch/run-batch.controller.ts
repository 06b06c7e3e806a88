import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';

import { Authenticated } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { parseBody } from '../../http/validation';
import { BatchBodySchema, RunBatchCommand, type BatchResult } from './run-batch.command';

@Controller()
export class RunBatchController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /** Any token: each command is checked against its own route's roles (an item answers 403, not the batch). */
  @Post('v1/batch')
  @Authenticated()
  @HttpCode(200)
  async run(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<{ results: BatchResult[] }> {
    const { commands } = parseBody(BatchBodySchema, body);
    const results = await this.commands.execute<RunBatchCommand, BatchResult[]>(new RunBatchCommand(commands, actor));
    return { results };
  }
}
