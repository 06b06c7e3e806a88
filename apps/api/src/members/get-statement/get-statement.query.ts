import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, addDays, formatMoney, formatUnits, statementOf, type Instant, type IsoDate, type WithdrawalKind } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetStatementQuery {
  constructor(
    readonly memberId: string,
    readonly from: IsoDate,
    readonly to: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface StatementMovementView {
  effectiveDate: IsoDate;
  type: string;
  kind?: WithdrawalKind;
  /** Signed: units cancelled are negative. */
  units: string;
  navPerUnit: string;
  /** Signed like the units: money out of the holding is negative. */
  amount: string;
  source?: string;
  destination?: string;
}

export interface FundStatementView {
  fundId: string;
  currency: string;
  openingUnits: string;
  openingNavPerUnit: string;
  openingValue: string;
  contributions: string;
  transfersIn: string;
  switchesIn: string;
  switchesOut: string;
  fees: string;
  withdrawals: { benefit: string; lumpSum: string; transferOut: string; total: string };
  investmentReturn: string;
  closingUnits: string;
  closingNavPerUnit: string;
  closingValue: string;
  movements: StatementMovementView[];
}

export interface StatementView {
  memberId: string;
  name: string;
  from: IsoDate;
  to: IsoDate;
  /** The day the opening figures are valid on: the day before from. */
  openingDate: IsoDate;
  knownAt: Instant;
  /**
   * One per fund held on openingDate or dealt in during [from, to], by fundId. Exactly, on each:
   * closingUnits = openingUnits + the sum of the movements' units, and
   * closingValue = openingValue + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawals.total + investmentReturn.
   */
  funds: FundStatementView[];
}

/** A member's statement over [from, to], all as known at knownAt (member.ts, statementOf). */
@QueryHandler(GetStatementQuery)
export class GetStatementHandler implements IQueryHandler<GetStatementQuery, StatementView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ memberId, from, to, knownAt }: GetStatementQuery): Promise<StatementView> {
    const { projections } = this.ledger;
    const state = projections.members.get(memberId)?.knownAt(knownAt);
    if (!state) throw new NotFoundError('member', memberId);
    const funds = statementOf(state, (id) => projections.funds.get(id)?.knownAt(knownAt), from, to).map(
      (s): FundStatementView => ({
        fundId: s.fundId,
        currency: s.currency,
        openingUnits: formatUnits(s.openingUnits),
        openingNavPerUnit: formatUnits(s.openingNavPerUnit),
        openingValue: formatMoney(s.openingValue),
        contributions: formatMoney(s.contributions),
        transfersIn: formatMoney(s.transfersIn),
        switchesIn: formatMoney(s.switchesIn),
        switchesOut: formatMoney(s.switchesOut),
        fees: formatMoney(s.fees),
        withdrawals: {
          benefit: formatMoney(s.withdrawals.benefit),
          lumpSum: formatMoney(s.withdrawals['lump-sum']),
          transferOut: formatMoney(s.withdrawals['transfer-out']),
          total: formatMoney(s.withdrawalsTotal),
        },
        investmentReturn: formatMoney(s.investmentReturn),
        closingUnits: formatUnits(s.closingUnits),
        closingNavPerUnit: formatUnits(s.closingNavPerUnit),
        closingValue: formatMoney(s.closingValue),
        movements: s.movements.map((m) => ({
          effectiveDate: m.effectiveDate,
          type: m.type,
          ...(m.kind !== undefined ? { kind: m.kind } : {}),
          units: formatUnits(m.units),
          navPerUnit: formatUnits(m.navPerUnit),
          amount: formatMoney(m.amount),
          ...(m.source !== undefined ? { source: m.source } : {}),
          ...(m.destination !== undefined ? { destination: m.destination } : {}),
        })),
      }),
    );
    return { memberId, name: state.name, from, to, openingDate: addDays(from, -1), knownAt, funds };
  }
}
