import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, claimFigures, formatMoney, type Instant, type IsoDate } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetClaimQuery {
  constructor(
    readonly claimId: string,
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface ClaimView {
  claimId: string;
  policyId: string;
  status: string;
  reserve: string;
  paid: string;
  /** Recoveries (subrogation, salvage) received through asOf. */
  recoveries: string;
  /** paid + reserve - recoveries */
  incurred: string;
  asOf: IsoDate;
  knownAt: Instant;
}

@QueryHandler(GetClaimQuery)
export class GetClaimHandler implements IQueryHandler<GetClaimQuery, ClaimView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ claimId, asOf, knownAt }: GetClaimQuery): Promise<ClaimView> {
    const state = this.ledger.projections.claims.get(claimId)?.knownAt(knownAt);
    if (!state) throw new NotFoundError('claim', claimId);
    const f = claimFigures(state, asOf);
    return {
      claimId,
      policyId: state.policyId,
      status: f.status,
      reserve: formatMoney(f.reserve),
      paid: formatMoney(f.paid),
      recoveries: formatMoney(f.recoveries),
      incurred: formatMoney(f.incurred),
      asOf,
      knownAt,
    };
  }
}
