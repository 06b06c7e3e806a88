import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, Period } from '@app/domain';
import type { Basis, ClaimsReportLine } from '@app/projections';

import { LedgerService } from '../../ledger/ledger.service';
import { totalsByCurrency } from '../currency-totals';

export class ClaimsReportQuery {
  constructor(
    readonly from: Period,
    readonly to: Period,
    readonly basis: Basis,
    readonly knownAt: Instant,
  ) {}
}

const FIELDS = ['openingReserve', 'newReserves', 'reserveChanges', 'paid', 'closingReserve', 'incurred'] as const;
type Totals = Record<(typeof FIELDS)[number], string>;

export interface ClaimsReportView {
  from: Period;
  to: Period;
  basis: Basis;
  knownAt: Instant;
  /**
   * closingReserve = openingReserve + newReserves + reserveChanges - paid and
   * incurred = paid + closingReserve - openingReserve, exactly, here and on every line.
   */
  totals: Totals;
  totalsByCurrency: ({ currency: string } & Totals)[];
  claims: ClaimsReportLine[];
}

/** Claims reserve movement over the months [from, to]; bases as for the premium report. */
@QueryHandler(ClaimsReportQuery)
export class ClaimsReportHandler implements IQueryHandler<ClaimsReportQuery, ClaimsReportView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ from, to, basis, knownAt }: ClaimsReportQuery): Promise<ClaimsReportView> {
    const { totals, claims } = this.ledger.projections.claimsReport(from, to, basis, knownAt);
    return { from, to, basis, knownAt, totals, totalsByCurrency: totalsByCurrency(claims, FIELDS), claims };
  }
}
