import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';
import { ledgerQueryContext } from '../../ledger/query-context';
import { GetPolicyQuery, type PolicyView } from './get-policy.query';

@Controller()
export class GetPolicyController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LedgerService) private readonly ledger: LedgerService,
  ) {}

  @Get('v1/policies/:policyId')
  @QueryArea('policies')
  get(@Param('policyId') policyId: string, @Query() query: unknown): Promise<PolicyView> {
    const id = parseEntityId(policyId, 'policyId');
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY, ledgerQueryContext(this.ledger));
    return this.queries.execute<GetPolicyQuery, PolicyView>(new GetPolicyQuery(id, asOf, knownAt));
  }
}
