import { Module } from '@nestjs/common';

import { GetAuditTrailController } from './get-audit-trail/get-audit-trail.controller';
import { GetAuditTrailHandler } from './get-audit-trail/get-audit-trail.query';
import { GetReplayAuditController } from './get-replay-audit/get-replay-audit.controller';
import { GetReplayAuditHandler } from './get-replay-audit/get-replay-audit.query';
import { ReplayAuditController } from './replay-audit/replay-audit.controller';
import { ReplayAuditHandler } from './replay-audit/replay-audit.command';
import { ReplayAudits } from './replay-audit/replay-audits';

/**
 * The audit trail of an entity (every event, its three dates, actor, payload
 * and journal) and the replay audit of the whole log: started by POST, run in
 * a worker thread, read by GET (ReplayAudits keeps the last 16).
 */
@Module({
  controllers: [GetAuditTrailController, ReplayAuditController, GetReplayAuditController],
  providers: [GetAuditTrailHandler, ReplayAuditHandler, GetReplayAuditHandler, ReplayAudits],
})
export class AuditModule {}
