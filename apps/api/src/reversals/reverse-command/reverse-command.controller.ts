import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { replyOutcome, type CommandOutcome } from '../../http/reply';
import { pathOf } from '../../ledger/command-route';
import { ReverseCommandRoute } from './reverse-command.command';

@Controller()
export class ReverseCommandController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(ReverseCommandRoute) private readonly route: ReverseCommandRoute,
  ) {}

  /** Any role that may send a reversible command; the original command's own roles are checked when the original is found. */
  @Post('v1/reversals')
  @Roles('underwriter', 'finance', 'claims', 'pensions')
  async reverse(@Body() body: unknown, @CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    const command = this.route.parse([], { path: pathOf(req.url), body, actor });
    replyOutcome(res, await this.commands.execute<typeof command, CommandOutcome>(command));
  }
}
