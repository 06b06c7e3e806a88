import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { replyOutcome, type CommandOutcome } from '../../http/reply';
import { pathOf } from '../../ledger/command-route';
import { REGISTER_MEMBER } from './register-member.command';

@Controller()
export class RegisterMemberController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  @Post('v1/members')
  @Roles('pensions')
  async register(@Body() body: unknown, @CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    const command = REGISTER_MEMBER.parse([], { path: pathOf(req.url), body, actor });
    replyOutcome(res, await this.commands.execute<typeof command, CommandOutcome>(command));
  }
}
