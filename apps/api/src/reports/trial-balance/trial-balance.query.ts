import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, IsoDate } from '@app/domain';
import type { Page, SubledgerLine, TrialBalanceLine } from '@app/projections';

import { encodeCursor } from '../../http/validation';
import { LedgerService } from '../../ledger/ledger.service';

export class TrialBalanceQuery {
  constructor(
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
    readonly page: Page,
  ) {}
}

export interface TrialBalanceView {
  asOf: IsoDate;
  knownAt: Instant;
  /**
   * The general ledger's accounts (`name:CURRENCY`), every one: net balance
   * on its debit or credit side. An account kept per entity
   * (`premium-receivable:EUR:policy/P-1`) is summed into its control account
   * (`premium-receivable:EUR`) here and listed in the subledger.
   */
  accounts: TrialBalanceLine[];
  /** Over `accounts`: debit equals credit. */
  totals: { debit: string; credit: string };
  /** One page of entity accounts, by account name; each control account is the sum of its subledger lines. */
  subledger: SubledgerLine[];
  /** Present when the subledger has more lines: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** Every journal line effective on or before asOf and recorded at or before knownAt. */
@QueryHandler(TrialBalanceQuery)
export class TrialBalanceHandler implements IQueryHandler<TrialBalanceQuery, TrialBalanceView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ asOf, knownAt, page }: TrialBalanceQuery): Promise<TrialBalanceView> {
    const reports = this.ledger.projections.reports;
    const { accounts, totals } = reports.controlAccounts(asOf, knownAt);
    const { lines, nextCursor } = reports.subledger(asOf, knownAt, page);
    return { asOf, knownAt, accounts, totals, subledger: lines, ...(nextCursor === null ? {} : { nextCursor: encodeCursor(nextCursor) }) };
  }
}
