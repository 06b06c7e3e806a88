import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { replyOutcome, type CommandOutcome } from '../../http/reply';
import { pathOf } from '../../ledger/command-route';
import { CORRECT_VALUATION } from './correct-valuation.command';

@Controller()
export class CorrectValuationController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  @Post('v1/funds/:fundId/valuations/:date/corrections')
  @Roles('fund-admin')
  async correct(
    @Param('fundId') fundId: string,
    @Param('date') date: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const command = CORRECT_VALUATION.parse([fundId, date], { path: pathOf(req.url), body, actor });
    replyOutcome(res, await this.commands.execute<typeof command, CommandOutcome>(command));
  }
}
