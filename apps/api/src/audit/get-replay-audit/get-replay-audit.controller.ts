import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { Roles } from '../../auth/access.decorators';
import { ValidationError } from '../../errors/api-errors';
import { parseQuery } from '../../http/validation';
import { isAuditId, type AuditView } from '../replay-audit/replay-audits';
import { GetReplayAuditQuery } from './get-replay-audit.query';

/** GET /v1/audits/{auditId} takes no query parameters. */
export const GET_REPLAY_AUDIT_QUERY = {};

@Controller()
export class GetReplayAuditController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  /** Auditor (and admin): the audit POST /v1/audits/replay started. */
  @Get('v1/audits/:auditId')
  @Roles('auditor')
  get(@Param('auditId') auditId: string, @Query() query: unknown): Promise<AuditView> {
    if (!isAuditId(auditId)) throw new ValidationError([{ path: 'auditId', message: 'Must be an audit id: 32 lowercase hex digits.' }]);
    parseQuery(query, GET_REPLAY_AUDIT_QUERY);
    return this.queries.execute<GetReplayAuditQuery, AuditView>(new GetReplayAuditQuery(auditId));
  }
}
