import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { PERIOD_RANGE_QUERY, parseQuery, requireOrder } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { FundReportQuery, type FundReportView } from './fund-report.query';

@Controller()
export class FundReportController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/reports/funds')
  @QueryArea('reports')
  get(@Query() query: unknown): Promise<FundReportView> {
    const { from, to, knownAt } = parseQuery(query, PERIOD_RANGE_QUERY, ledgerQueryContext(this.ledger));
    requireOrder(from, to);
    return this.queries.execute<FundReportQuery, FundReportView>(new FundReportQuery(from, to, knownAt));
  }
}
