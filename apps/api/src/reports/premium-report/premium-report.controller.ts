import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { REPORT_QUERY, parseQuery, requirePeriodOrder } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { PremiumReportQuery, type PremiumReportView } from './premium-report.query';

@Controller()
export class PremiumReportController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/reports/premiums')
  @QueryArea('reports')
  get(@Query() query: unknown): Promise<PremiumReportView> {
    const { from, to, basis, knownAt } = parseQuery(query, REPORT_QUERY, ledgerQueryContext(this.ledger));
    requirePeriodOrder(from, to);
    return this.queries.execute<PremiumReportQuery, PremiumReportView>(new PremiumReportQuery(from, to, basis, knownAt));
  }
}
