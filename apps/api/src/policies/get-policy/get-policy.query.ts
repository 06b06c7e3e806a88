import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, formatMoney, policyFigures, type Instant, type IsoDate } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetPolicyQuery {
  constructor(
    readonly policyId: string,
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface PolicyView {
  policyId: string;
  status: string;
  currency: string;
  term: { start: IsoDate; end: IsoDate };
  written: string;
  earned: string;
  unearned: string;
  received: string;
  refunded: string;
  /** Premium owed (written, less return premium) less cash received plus refunds paid: positive owed by the holder, negative owed to the holder. */
  balance: string;
  asOf: IsoDate;
  knownAt: Instant;
}

@QueryHandler(GetPolicyQuery)
export class GetPolicyHandler implements IQueryHandler<GetPolicyQuery, PolicyView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ policyId, asOf, knownAt }: GetPolicyQuery): Promise<PolicyView> {
    const state = this.ledger.projections.policies.get(policyId)?.knownAt(knownAt);
    if (!state) throw new NotFoundError('policy', policyId);
    const f = policyFigures(state, asOf);
    return {
      policyId,
      status: f.status,
      currency: state.currency,
      term: { start: state.term.start, end: state.term.end },
      written: formatMoney(f.written),
      earned: formatMoney(f.earned),
      unearned: formatMoney(f.unearned),
      received: formatMoney(f.received),
      refunded: formatMoney(f.refunded),
      balance: formatMoney(f.balance),
      asOf,
      knownAt,
    };
  }
}
