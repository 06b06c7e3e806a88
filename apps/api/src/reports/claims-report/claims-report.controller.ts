import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { REPORT_QUERY, parseQuery, requirePeriodOrder } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { ClaimsReportQuery, type ClaimsReportView } from './claims-report.query';

@Controller()
export class ClaimsReportController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/reports/claims')
  @QueryArea('reports')
  get(@Query() query: unknown): Promise<ClaimsReportView> {
    const { from, to, basis, knownAt } = parseQuery(query, REPORT_QUERY, ledgerQueryContext(this.ledger));
    requirePeriodOrder(from, to);
    return this.queries.execute<ClaimsReportQuery, ClaimsReportView>(new ClaimsReportQuery(from, to, basis, knownAt));
  }
}
