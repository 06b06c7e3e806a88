import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { replyOutcome, type CommandOutcome } from '../../http/reply';
import { pathOf } from '../../ledger/command-route';
import { WITHDRAW } from './withdraw.command';

@Controller()
export class WithdrawController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  @Post('v1/members/:memberId/withdrawals')
  @Roles('pensions')
  async withdraw(
    @Param('memberId') memberId: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const command = WITHDRAW.parse([memberId], { path: pathOf(req.url), body, actor });
    replyOutcome(res, await this.commands.execute<typeof command, CommandOutcome>(command));
  }
}
