import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetClaimQuery, type ClaimView } from './get-claim.query';

@Controller()
export class GetClaimController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/claims/:claimId')
  @QueryArea('claims')
  get(@Param('claimId') claimId: string, @Query() query: unknown): Promise<ClaimView> {
    const id = parseEntityId(claimId, 'claimId');
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetClaimQuery, ClaimView>(new GetClaimQuery(id, asOf, knownAt));
  }
}
