import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@app/domain';

import { ReplayAudits, type AuditView } from '../replay-audit/replay-audits';

export class GetReplayAuditQuery {
  constructor(readonly auditId: string) {}
}

/** One replay audit of this server (the last AUDITS_KEPT are kept): running, done with its result, or failed. */
@QueryHandler(GetReplayAuditQuery)
export class GetReplayAuditHandler implements IQueryHandler<GetReplayAuditQuery, AuditView> {
  constructor(@Inject(ReplayAudits) private readonly audits: ReplayAudits) {}

  async execute({ auditId }: GetReplayAuditQuery): Promise<AuditView> {
    const audit = this.audits.get(auditId);
    if (!audit) throw new NotFoundError('audit', auditId);
    return audit;
  }
}
