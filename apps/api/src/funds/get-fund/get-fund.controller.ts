import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetFundQuery, type FundView } from './get-fund.query';

@Controller()
export class GetFundController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/funds/:fundId')
  @QueryArea('funds')
  get(@Param('fundId') fundId: string, @Query() query: unknown): Promise<FundView> {
    const id = parseEntityId(fundId, 'fundId');
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetFundQuery, FundView>(new GetFundQuery(id, asOf, knownAt));
  }
}
