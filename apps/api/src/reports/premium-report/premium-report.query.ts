import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, Period } from '@app/domain';
import type { Basis, PremiumReportLine } from '@app/projections';

import { LedgerService } from '../../ledger/ledger.service';
import { totalsByCurrency } from '../currency-totals';

export class PremiumReportQuery {
  constructor(
    readonly from: Period,
    readonly to: Period,
    readonly basis: Basis,
    readonly knownAt: Instant,
  ) {}
}

const FIELDS = ['written', 'earned', 'openingUnearned', 'closingUnearned'] as const;
type Totals = Record<(typeof FIELDS)[number], string>;

export interface PremiumReportView {
  from: Period;
  to: Period;
  basis: Basis;
  knownAt: Instant;
  /** earned = written + openingUnearned - closingUnearned, exactly, here and on every line. */
  totals: Totals;
  totalsByCurrency: ({ currency: string } & Totals)[];
  policies: PremiumReportLine[];
}

/**
 * Premium written and earned over the months [from, to], with the unearned
 * premium at the end of from - 1 and of to. `booked`: a closed month's figures
 * as known when it was closed (late changes land in the first open month);
 * `restated`: by valid time, as known at knownAt.
 */
@QueryHandler(PremiumReportQuery)
export class PremiumReportHandler implements IQueryHandler<PremiumReportQuery, PremiumReportView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ from, to, basis, knownAt }: PremiumReportQuery): Promise<PremiumReportView> {
    const { totals, policies } = this.ledger.projections.premiumReport(from, to, basis, knownAt);
    return { from, to, basis, knownAt, totals, totalsByCurrency: totalsByCurrency(policies, FIELDS), policies };
  }
}
