import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { STATEMENT_QUERY, parseEntityId, parseQuery, requireOrder } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetStatementQuery, type StatementView } from './get-statement.query';

@Controller()
export class GetStatementController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/members/:memberId/statement')
  @QueryArea('members')
  get(@Param('memberId') memberId: string, @Query() query: unknown): Promise<StatementView> {
    const id = parseEntityId(memberId, 'memberId');
    const { from, to, knownAt } = parseQuery(query, STATEMENT_QUERY, ledgerQueryContext(this.ledger));
    requireOrder(from, to);
    return this.queries.execute<GetStatementQuery, StatementView>(new GetStatementQuery(id, from, to, knownAt));
  }
}
