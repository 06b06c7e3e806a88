import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, feeHoldings, type FundState, type IsoDate } from '@app/domain';

import { encodeCursor } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';

export class GetFeeHoldingsQuery {
  constructor(
    readonly fundId: string,
    readonly commandId: string,
    readonly limit: number,
    readonly cursor: string | null,
  ) {}
}

export interface FeeHoldingsView {
  fundId: string;
  commandId: string;
  effectiveDate: IsoDate;
  /** The fee's rate as charged: rate, or annualRate with days and dayCount. */
  rate?: string;
  annualRate?: string;
  days?: number;
  dayCount?: string;
  navPerUnit: string;
  totalFee: string;
  totalUnitsCancelled: string;
  /** By memberId, after the cursor. */
  holdings: { memberId: string; units: string; value: string; fee: string; unitsCancelled: string }[];
  nextCursor?: string;
}

/**
 * Every holding an accepted fee charged, in pages: a fee's record holds its
 * parameters and totals, and its answer the first holdings only. The
 * holdings follow from the fund's state before the fee (fund.ts,
 * feeHoldings), so one page folds the fund's events up to the fee.
 */
@QueryHandler(GetFeeHoldingsQuery)
export class GetFeeHoldingsHandler implements IQueryHandler<GetFeeHoldingsQuery, FeeHoldingsView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ fundId, commandId, limit, cursor }: GetFeeHoldingsQuery): Promise<FeeHoldingsView> {
    const funds = this.ledger.projections.funds;
    if (!funds.get(fundId)) throw new NotFoundError('fund', fundId);
    let before: FundState | undefined;
    for (const event of funds.store.events('fund', fundId)) {
      if (event.type === 'FeeCharged' && event.commandId === commandId) {
        const all = feeHoldings(before as FundState, event);
        const from = cursor === null ? 0 : firstAfter(all, cursor);
        const holdings = all.slice(from, from + limit);
        const more = from + limit < all.length;
        const p = event.payload as { rate?: string; annualRate?: string; days?: number; dayCount?: string; navPerUnit: string; totalFee: string; totalUnitsCancelled: string };
        const basis = p.rate !== undefined ? { rate: p.rate } : { annualRate: p.annualRate, days: p.days, dayCount: p.dayCount };
        return {
          fundId,
          commandId,
          effectiveDate: event.effectiveDate,
          ...basis,
          navPerUnit: p.navPerUnit,
          totalFee: p.totalFee,
          totalUnitsCancelled: p.totalUnitsCancelled,
          holdings,
          ...(more ? { nextCursor: encodeCursor(holdings[holdings.length - 1].memberId) } : {}),
        };
      }
      before = funds.evolve(before, event);
    }
    throw new NotFoundError('fee', commandId);
  }
}

/** Index of the first holding whose memberId sorts after `cursor` (holdings are by memberId). */
function firstAfter(holdings: readonly { memberId: string }[], cursor: string): number {
  let lo = 0;
  let hi = holdings.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holdings[mid].memberId <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
