import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, formatMoney, formatUnits, memberFigures, type Instant, type IsoDate } from '@app/domain';

import { LedgerService } from '../../ledger/ledger.service';

export class GetMemberQuery {
  constructor(
    readonly memberId: string,
    readonly asOf: IsoDate,
    readonly knownAt: Instant,
  ) {}
}

export interface MemberView {
  memberId: string;
  name: string;
  /** Holdings valid on asOf, sorted by fundId, zero holdings left out; value = round2(units * navPerUnit). */
  holdings: { fundId: string; currency: string; units: string; navPerUnit: string; value: string }[];
  /** Every holding's value added, whatever its currency (api.md's shape): see totalValueByCurrency. */
  totalValue: string;
  totalValueByCurrency: { currency: string; value: string }[];
  asOf: IsoDate;
  knownAt: Instant;
}

/** A member's holdings valid on asOf, valued at each fund's NAV as GET fund gives it, all as known at knownAt. */
@QueryHandler(GetMemberQuery)
export class GetMemberHandler implements IQueryHandler<GetMemberQuery, MemberView> {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  async execute({ memberId, asOf, knownAt }: GetMemberQuery): Promise<MemberView> {
    const { projections } = this.ledger;
    const state = projections.members.get(memberId)?.knownAt(knownAt);
    if (!state) throw new NotFoundError('member', memberId);
    const f = memberFigures(state, (id) => projections.funds.get(id)?.knownAt(knownAt), asOf);
    return {
      memberId,
      name: state.name,
      holdings: f.holdings.map((h) => ({
        fundId: h.fundId,
        currency: h.currency,
        units: formatUnits(h.units),
        navPerUnit: formatUnits(h.navPerUnit),
        value: formatMoney(h.value),
      })),
      totalValue: formatMoney(f.totalValue),
      totalValueByCurrency: f.totalValueByCurrency.map((t) => ({ currency: t.currency, value: formatMoney(t.value) })),
      asOf,
      knownAt,
    };
  }
}
