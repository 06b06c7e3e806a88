import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { TrialBalanceQuery, type TrialBalanceView } from './trial-balance.query';

@Controller()
export class TrialBalanceController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/reports/trial-balance')
  @QueryArea('reports')
  get(@Query() query: unknown): Promise<TrialBalanceView> {
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<TrialBalanceQuery, TrialBalanceView>(new TrialBalanceQuery(asOf, knownAt));
  }
}
