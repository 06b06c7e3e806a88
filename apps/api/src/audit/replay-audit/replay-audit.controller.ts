import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';

import { Roles } from '../../auth/access.decorators';
import { parseBody } from '../../http/validation';
import { ReplayAuditBodySchema, ReplayAuditCommand } from './replay-audit.command';
import type { AuditView } from './replay-audits';

/** Who may start a replay audit (admin always): the console asks the same. */
export const REPLAY_AUDIT_ROLES = ['auditor'] as const;

@Controller()
export class ReplayAuditController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /**
   * Auditor (and admin). An absent body counts as `{}`. 202 with the audit
   * (running) and its Location; while one runs, that one (one at a time).
   */
  @Post('v1/audits/replay')
  @HttpCode(202)
  @Roles(...REPLAY_AUDIT_ROLES)
  async replay(@Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply): Promise<AuditView> {
    parseBody(ReplayAuditBodySchema, body ?? {});
    const audit = await this.commands.execute<ReplayAuditCommand, AuditView>(new ReplayAuditCommand());
    res.header('location', `/v1/audits/${audit.auditId}`);
    return audit;
  }
}
