import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Instant, IsoDate } from '@app/domain';
import type { TrialBalanceLine } from '@app/projections';

import { LedgerService } from '../../ledger/ledger.service';

export class TrialBalanceQuery {
  constructor(
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface TrialBalanceView {
  asOf: IsoDate;
  knownAt: Instant;
  /** Net balance per account (named `name:CURRENCY[:entity]`), on its debit or credit side, by account name. */
  accounts: TrialBalanceLine[];
  totals: { debit: string; credit: string };
}

/** Every journal line effective on or before asOf and recorded at or before knownAt. */
@QueryHandler(TrialBalanceQuery)
export class TrialBalanceHandler implements IQueryHandler<TrialBalanceQuery, TrialBalanceView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ asOf, knownAt }: TrialBalanceQuery): Promise<TrialBalanceView> {
    const { accounts, totals } = this.ledger.projections.trialBalance(asOf, knownAt);
    return { asOf, knownAt, accounts, totals };
  }
}
