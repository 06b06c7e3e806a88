import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, Period } from '@app/domain';
import type { FundReportLine } from '@app/projections';

import { LedgerService } from '../../ledger/ledger.service';

export class FundReportQuery {
  constructor(
    readonly from: Period,
    readonly to: Period,
    readonly knownAt: Instant,
  ) {}
}

export interface FundReportView {
  from: Period;
  to: Period;
  knownAt: Instant;
  /**
   * One line per fund known at knownAt, by fundId. On every line, exactly:
   * closingUnits = openingUnits + unitsIssued - unitsCancelled and
   * netAssets = openingNetAssets + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawals + marketMovement, and
   * withdrawals = withdrawalsByKind.benefit + .lumpSum + .transferOut.
   */
  funds: FundReportLine[];
}

/** Units and net assets of every fund rolled forward over the months [from, to], as known at knownAt. */
@QueryHandler(FundReportQuery)
export class FundReportHandler implements IQueryHandler<FundReportQuery, FundReportView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ from, to, knownAt }: FundReportQuery): Promise<FundReportView> {
    return { from, to, knownAt, funds: this.ledger.projections.fundReport(from, to, knownAt) };
  }
}
