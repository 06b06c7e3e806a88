import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, formatMoney, formatUnits, fundFigures, type Instant, type IsoDate } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetFundQuery {
  constructor(
    readonly fundId: string,
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface FundView {
  fundId: string;
  currency: string;
  /** NAV of the latest valuation on or before asOf, else the launch NAV. */
  navPerUnit: string;
  /** Date of that valuation; null for the launch NAV. */
  valuationDate: IsoDate | null;
  unitsOutstanding: string;
  netAssets: string;
  asOf: IsoDate;
  knownAt: Instant;
}

/** A fund valid on asOf as known at knownAt (404 if not launched by then). */
@QueryHandler(GetFundQuery)
export class GetFundHandler implements IQueryHandler<GetFundQuery, FundView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ fundId, asOf, knownAt }: GetFundQuery): Promise<FundView> {
    const state = this.ledger.projections.funds.get(fundId)?.knownAt(knownAt);
    if (!state) throw new NotFoundError('fund', fundId);
    const f = fundFigures(state, asOf);
    return {
      fundId,
      currency: state.currency,
      navPerUnit: formatUnits(f.navPerUnit),
      valuationDate: f.valuationDate,
      unitsOutstanding: formatUnits(f.unitsOutstanding),
      netAssets: formatMoney(f.netAssets),
      asOf,
      knownAt,
    };
  }
}
