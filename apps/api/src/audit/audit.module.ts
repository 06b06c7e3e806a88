import { Module } from '@nestjs/common';

import { GetAuditTrailController } from './get-audit-trail/get-audit-trail.controller';
import { GetAuditTrailHandler } from './get-audit-trail/get-audit-trail.query';
import { ReplayAuditController } from './replay-audit/replay-audit.controller';
import { ReplayAuditHandler } from './replay-audit/replay-audit.command';

/** The audit trail of an entity (every event, its three dates, actor, payload and journal) and the replay audit of the whole log. */
@Module({
  controllers: [GetAuditTrailController, ReplayAuditController],
  providers: [GetAuditTrailHandler, ReplayAuditHandler],
})
export class AuditModule {}
