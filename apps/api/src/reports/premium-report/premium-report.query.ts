import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, Period } from '@app/domain';
import type { Basis, Page, PremiumReportLine, PremiumTotals } from '@app/projections';

import { encodeCursor } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';

export class PremiumReportQuery {
  constructor(
    readonly from: Period,
    readonly to: Period,
    readonly basis: Basis,
    readonly knownAt: Instant,
    readonly page: Page,
  ) {}
}

export interface PremiumReportView {
  from: Period;
  to: Period;
  basis: Basis;
  knownAt: Instant;
  /** earned = written + openingUnearned - closingUnearned, exactly, here and on every line. */
  totals: PremiumTotals;
  totalsByCurrency: ({ currency: string } & PremiumTotals)[];
  /** One page of lines, by policy id. */
  policies: PremiumReportLine[];
  /** Present when there are more lines: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/**
 * Premium written and earned over the months [from, to], with the unearned
 * premium at the end of from - 1 and of to. `booked`: a closed month's figures
 * as known when it was closed (late changes land in the first open month);
 * `restated`: by valid time, as known at knownAt. Totals from the report
 * series (not from the lines: they cover the whole book); lines a page at a time.
 */
@QueryHandler(PremiumReportQuery)
export class PremiumReportHandler implements IQueryHandler<PremiumReportQuery, PremiumReportView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ from, to, basis, knownAt, page }: PremiumReportQuery): Promise<PremiumReportView> {
    const reports = this.ledger.projections.reports;
    const { totals, totalsByCurrency } = reports.premiumTotals(from, to, basis, knownAt);
    const { lines, nextCursor } = reports.premiumLines(from, to, basis, knownAt, page);
    return { from, to, basis, knownAt, totals, totalsByCurrency, policies: lines, ...(nextCursor === null ? {} : { nextCursor: encodeCursor(nextCursor) }) };
  }
}
