import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { ValidationError } from '../../errors/api-errors';
import { asOfParam, knownAtParam, parseEntityId, parseQuery, type QueryParam } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { AUDIT_KINDS, GetAuditTrailQuery, type AuditKind, type AuditTrailView } from './get-audit-trail.query';

/** Optional here: without asOf the trail is every event, whatever its effective date (not "effective by today"). */
const optionalAsOf: QueryParam<string | undefined> = (raw, ctx) => (raw === undefined ? undefined : asOfParam(raw, ctx));
const AUDIT_QUERY = { asOf: optionalAsOf, knownAt: knownAtParam };

function parseKind(raw: string): AuditKind {
  if (!(AUDIT_KINDS as readonly string[]).includes(raw)) {
    throw new ValidationError([{ path: 'kind', message: `Must be one of ${AUDIT_KINDS.join(', ')}.` }]);
  }
  return raw as AuditKind;
}

@Controller()
export class GetAuditTrailController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  /** Auditor and admin only (AREA_ROLES.audit is empty). */
  @Get('v1/audit/entities/:kind/:id')
  @QueryArea('audit')
  get(@Param('kind') kind: string, @Param('id') id: string, @Query() query: unknown): Promise<AuditTrailView> {
    const entityKind = parseKind(kind);
    const entityId = parseEntityId(id, 'id');
    const { asOf, knownAt } = parseQuery(query, AUDIT_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetAuditTrailQuery, AuditTrailView>(new GetAuditTrailQuery(entityKind, entityId, knownAt, asOf));
  }
}
