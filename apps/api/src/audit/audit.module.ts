import { Module } from '@nestjs/common';

import { GetAuditTrailController } from './get-audit-trail/get-audit-trail.controller';
import { GetAuditTrailHandler } from './get-audit-trail/get-audit-trail.query';

/** The audit trail of an entity: every event, its three dates, actor, payload and journal. */
@Module({
  controllers: [GetAuditTrailController],
  providers: [GetAuditTrailHandler],
})
export class AuditModule {}
