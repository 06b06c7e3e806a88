import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { normalizeCommandId } from '@app/domain';

import { QueryArea } from '../../auth/access.decorators';
import { ValidationError } from '../../errors/api-errors';
import { PAGE_QUERY, parseEntityId, parseQuery } from '../../http/validation';
import { GetFeeHoldingsQuery, type FeeHoldingsView } from './get-fee-holdings.query';

@Controller()
export class GetFeeHoldingsController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  /** The holdings a fee charged, by memberId, `?limit&cursor` (the fee's answer lists the first 1,000 and gives this cursor). */
  @Get('v1/funds/:fundId/fees/:commandId/holdings')
  @QueryArea('funds')
  get(@Param('fundId') fundId: string, @Param('commandId') commandId: string, @Query() query: unknown): Promise<FeeHoldingsView> {
    const id = parseEntityId(fundId, 'fundId');
    const normalized = normalizeCommandId(commandId);
    if (normalized === null) throw new ValidationError([{ path: 'commandId', message: 'Must be a UUID or 32 hex digits.' }]);
    const { limit, cursor } = parseQuery(query, PAGE_QUERY);
    return this.queries.execute<GetFeeHoldingsQuery, FeeHoldingsView>(new GetFeeHoldingsQuery(id, normalized, limit, cursor));
  }
}
