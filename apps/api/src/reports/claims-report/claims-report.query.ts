import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, Period } from '@app/domain';
import type { Basis, ClaimsReportLine, ClaimsTotals, Page } from '@app/projections';

import { encodeCursor } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';

export class ClaimsReportQuery {
  constructor(
    readonly from: Period,
    readonly to: Period,
    readonly basis: Basis,
    readonly knownAt: Instant,
    readonly page: Page,
  ) {}
}

export interface ClaimsReportView {
  from: Period;
  to: Period;
  basis: Basis;
  knownAt: Instant;
  /**
   * closingReserve = openingReserve + newReserves + reserveChanges - paid and
   * incurred = paid + closingReserve - openingReserve - recoveries, exactly, here and on every line.
   */
  totals: ClaimsTotals;
  totalsByCurrency: ({ currency: string } & ClaimsTotals)[];
  /** One page of lines, by claim id. */
  claims: ClaimsReportLine[];
  /** Present when there are more lines: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** Claims reserve movement over the months [from, to]; bases, totals and pages as for the premium report. */
@QueryHandler(ClaimsReportQuery)
export class ClaimsReportHandler implements IQueryHandler<ClaimsReportQuery, ClaimsReportView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ from, to, basis, knownAt, page }: ClaimsReportQuery): Promise<ClaimsReportView> {
    const reports = this.ledger.projections.reports;
    const { totals, totalsByCurrency } = reports.claimsTotals(from, to, basis, knownAt);
    const { lines, nextCursor } = reports.claimsLines(from, to, basis, knownAt, page);
    return { from, to, basis, knownAt, totals, totalsByCurrency, claims: lines, ...(nextCursor === null ? {} : { nextCursor: encodeCursor(nextCursor) }) };
  }
}
