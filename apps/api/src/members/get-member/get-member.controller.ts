import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetMemberQuery, type MemberView } from './get-member.query';

@Controller()
export class GetMemberController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/members/:memberId')
  @QueryArea('members')
  get(@Param('memberId') memberId: string, @Query() query: unknown): Promise<MemberView> {
    const id = parseEntityId(memberId, 'memberId');
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetMemberQuery, MemberView>(new GetMemberQuery(id, asOf, knownAt));
  }
}
