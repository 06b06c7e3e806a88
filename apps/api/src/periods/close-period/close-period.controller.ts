import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { CurrentActor } from '../../auth/actor.decorator';
import type { Actor } from '../../auth/roles';
import { replyOutcome, type CommandOutcome } from '../../http/reply';
import { pathOf } from '../../ledger/command-route';
import { ClosePeriodRoute } from './close-period.command';

@Controller()
export class ClosePeriodController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(ClosePeriodRoute) private readonly route: ClosePeriodRoute,
  ) {}

  @Post('v1/periods/:period/close')
  @Roles('finance')
  async close(
    @Param('period') period: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const command = this.route.parse([period], { path: pathOf(req.url), body, actor });
    replyOutcome(res, await this.commands.execute<typeof command, CommandOutcome>(command));
  }
}
