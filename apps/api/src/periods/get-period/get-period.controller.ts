import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { asOfParam, knownAtParam, parsePeriodParam, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetPeriodQuery, type PeriodView } from './get-period.query';

/** `asOf` is accepted like on every query, and changes nothing: a month's status is a fact of system time only. */
const PERIOD_QUERY = { asOf: asOfParam, knownAt: knownAtParam };

@Controller()
export class GetPeriodController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/periods/:period')
  @QueryArea('periods')
  get(@Param('period') period: string, @Query() query: unknown): Promise<PeriodView> {
    const month = parsePeriodParam(period, 'period');
    const { knownAt } = parseQuery(query, PERIOD_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetPeriodQuery, PeriodView>(new GetPeriodQuery(month, knownAt));
  }
}
