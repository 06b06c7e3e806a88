import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';

import { QueryArea } from '../../auth/access.decorators';
import { AS_OF_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { GetPolicyQuery, type PolicyView } from './get-policy.query';

@Controller()
export class GetPolicyController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  @Get('v1/policies/:policyId')
  @QueryArea('policies')
  get(@Param('policyId') policyId: string, @Query() query: unknown): Promise<PolicyView> {
    const id = parseEntityId(policyId, 'policyId');
    const { asOf, knownAt } = parseQuery(query, AS_OF_QUERY);
    return this.queries.execute<GetPolicyQuery, PolicyView>(new GetPolicyQuery(id, asOf, knownAt));
  }
}
