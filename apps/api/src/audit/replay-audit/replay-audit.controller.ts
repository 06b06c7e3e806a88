import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ReplayAuditResult } from '@app/read-model';

import { Roles } from '../../auth/access.decorators';
import { parseBody } from '../../http/validation';
import { ReplayAuditBodySchema, ReplayAuditCommand } from './replay-audit.command';

@Controller()
export class ReplayAuditController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /** Auditor (and admin). An absent body counts as `{}`. */
  @Post('v1/audits/replay')
  @HttpCode(200)
  @Roles('auditor')
  replay(@Body() body: unknown): Promise<ReplayAuditResult> {
    parseBody(ReplayAuditBodySchema, body ?? {});
    return this.commands.execute<ReplayAuditCommand, ReplayAuditResult>(new ReplayAuditCommand());
  }
}
