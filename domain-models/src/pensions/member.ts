// A pension member: state, deciders and the fold of its own events.
// A contribution and a switch touch the member and the fund(s): their
// decision carries an event for every entity touched (made durable together):
//   contribution: MemberContributed (member) + UnitsIssued (fund)
//   switch:       UnitsSwitched (member) + UnitsCancelled (fund A) + UnitsIssued (fund B)
// evolveMember folds only member events, evolveFund only fund events. The
// journal is on the fund events (see events.ts).
import { AppendLog } from '../common/append-log';
import { type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, formatUnits, round2, round6 } from '../common/decimal';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import { EMPTY_ENTRY, unitsCancelledEntry, unitsIssuedEntry } from './accounts';
import type { Contribute, RegisterMember, Switch } from './commands';
import { REVERSAL_EVENT_OF, type Reverse } from '../ledger/reversal';
import { MEMBER_EVENT_VERSION, type MemberEvent, type MemberEventType, parseMemberEvent } from './events';
import { type FundState, assertSameFund, dealingNav, dealingNavs, floorOf, fundEvent, navOn } from './fund';

/** A dated change of the member's units in one fund (signed). */
export interface MemberUnitMovement {
  effectiveDate: IsoDate;
  fundId: string;
  units: Decimal;
}

export interface MemberState {
  memberId: string;
  name: string;
  /** Every unit movement known, in record order (shared between versions: see AppendLog). */
  movements: AppendLog<MemberUnitMovement>;
  /** Over every known movement, whatever its date: units per fund. */
  holdings: ReadonlyMap<string, Decimal>;
}

export interface MemberHolding {
  fundId: string;
  currency: string;
  units: Decimal;
  navPerUnit: Decimal;
  value: Decimal;
}

/** Units per fund valid on `asOf` (funds ever held, zero included). */
export function memberHoldingsOn(state: MemberState, asOf: IsoDate): Map<string, Decimal> {
  const holdings = new Map<string, Decimal>();
  for (const m of state.movements) if (m.effectiveDate <= asOf) holdings.set(m.fundId, (holdings.get(m.fundId) ?? ZERO).plus(m.units));
  return holdings;
}

function memberEvent<T extends MemberEventType>(
  type: T,
  memberId: string,
  effectiveDate: IsoDate,
  payload: Extract<MemberEvent, { type: T }>['payload'],
  journal: JournalEntry = EMPTY_ENTRY,
): DomainEvent {
  return { type, v: MEMBER_EVENT_VERSION, entity: { kind: 'member', id: memberId }, effectiveDate, payload, journal };
}

function assertSameMember(state: MemberState, memberId: string): void {
  if (state.memberId !== memberId) throw new Error(`command for member ${memberId} decided on member ${state.memberId}`);
}

// ---------------------------------------------------------------- deciders

/** RegisterMember carries no date: `effectiveDate` is supplied by the caller (the UTC date it is recorded on). */
export function decideRegisterMember(existing: MemberState | undefined, cmd: RegisterMember, effectiveDate: IsoDate): Decision {
  if (existing) throw new DomainError('entity_exists', `member ${cmd.memberId} already exists`);
  return {
    events: [memberEvent('MemberRegistered', cmd.memberId, effectiveDate, { memberId: cmd.memberId, name: cmd.name })],
    result: { memberId: cmd.memberId, name: cmd.name },
  };
}

/**
 * units = round6(amount / nav) at the NAV for effectiveDate; the fund's net
 * assets grow by amount. Refused on a date without a NAV or closed by a later
 * one (dealingNav), then when the units round to 0.000000 (amount_too_small).
 */
export function decideContribute(member: MemberState, fund: FundState, cmd: Contribute): Decision {
  assertSameMember(member, cmd.memberId);
  assertSameFund(fund, cmd.fundId);
  const nav = dealingNav(fund, cmd.effectiveDate);
  const units = round6(cmd.amount.div(nav));
  if (units.isZero()) {
    throw new DomainError('amount_too_small', `${formatMoney(cmd.amount)} at NAV ${formatUnits(nav)} buys 0.000000 units of fund ${fund.fundId}`);
  }
  const figures = { amount: formatMoney(cmd.amount), units: formatUnits(units), navPerUnit: formatUnits(nav) };
  return {
    events: [
      memberEvent('MemberContributed', member.memberId, cmd.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures }),
      fundEvent(
        'UnitsIssued',
        fund.fundId,
        cmd.effectiveDate,
        { fundId: fund.fundId, memberId: member.memberId, cause: 'contribution', ...figures },
        unitsIssuedEntry(fund.fundId, member.memberId, fund.currency, cmd.amount),
      ),
    ],
    result: { memberId: member.memberId, fundId: fund.fundId, effectiveDate: cmd.effectiveDate, currency: fund.currency, ...figures },
  };
}

/**
 * Switches `units` from fund A to fund B on effectiveDate:
 * amount = round2(units * navA), unitsBought = round6(amount / navB).
 * Both funds need the same currency (currency_mismatch), a NAV for the date
 * and no NAV for a later date (dealingNavs: nav_not_published, then
 * dealing_date_closed); the units may not exceed the holding in A on that date
 * nor on any later date it moves (insufficient_units); the amount may not
 * round to 0.00 nor the units bought to 0.000000 (amount_too_small). Checked
 * in that order.
 */
export function decideSwitch(member: MemberState, fromFund: FundState, toFund: FundState, cmd: Switch): Decision {
  assertSameMember(member, cmd.memberId);
  assertSameFund(fromFund, cmd.fromFundId);
  assertSameFund(toFund, cmd.toFundId);
  if (fromFund.fundId === toFund.fundId) throw new Error(`switch within fund ${fromFund.fundId}`);
  if (fromFund.currency !== toFund.currency) {
    throw new DomainError('currency_mismatch', `fund ${fromFund.fundId} is in ${fromFund.currency}, fund ${toFund.fundId} in ${toFund.currency}`);
  }
  const [navA, navB] = dealingNavs(cmd.effectiveDate, fromFund, toFund);
  // The member's movements in A mirror the fund's for this member (one record carries both).
  const inA: MemberUnitMovement[] = [];
  for (const m of member.movements) if (m.fundId === fromFund.fundId) inA.push(m);
  const floor = floorOf(inA, cmd.effectiveDate);
  if (cmd.units.gt(floor)) {
    throw new DomainError(
      'insufficient_units',
      `member ${member.memberId} holds ${formatUnits(floor)} units of fund ${fromFund.fundId} on ${cmd.effectiveDate} (or later), fewer than ${formatUnits(cmd.units)}`,
    );
  }
  const amount = round2(cmd.units.times(navA));
  const unitsBought = round6(amount.div(navB));
  // A deal that moves units without money (or money without units) would take value from one side for nothing.
  if (amount.isZero() || unitsBought.isZero()) {
    throw new DomainError(
      'amount_too_small',
      `${formatUnits(cmd.units)} units of fund ${fromFund.fundId} at NAV ${formatUnits(navA)} are worth ${formatMoney(amount)}, buying ${formatUnits(unitsBought)} units of fund ${toFund.fundId}`,
    );
  }
  const currency = fromFund.currency;
  const sold = { units: formatUnits(cmd.units), amount: formatMoney(amount), navPerUnit: formatUnits(navA) };
  const bought = { units: formatUnits(unitsBought), amount: formatMoney(amount), navPerUnit: formatUnits(navB) };
  const switched = {
    memberId: member.memberId,
    fromFundId: fromFund.fundId,
    toFundId: toFund.fundId,
    unitsSold: sold.units,
    amount: sold.amount,
    unitsBought: bought.units,
    fromNavPerUnit: sold.navPerUnit,
    toNavPerUnit: bought.navPerUnit,
  };
  return {
    events: [
      memberEvent('UnitsSwitched', member.memberId, cmd.effectiveDate, switched),
      fundEvent(
        'UnitsCancelled',
        fromFund.fundId,
        cmd.effectiveDate,
        { fundId: fromFund.fundId, memberId: member.memberId, cause: 'switch', toFundId: toFund.fundId, ...sold },
        unitsCancelledEntry(fromFund.fundId, member.memberId, currency, amount),
      ),
      fundEvent(
        'UnitsIssued',
        toFund.fundId,
        cmd.effectiveDate,
        { fundId: toFund.fundId, memberId: member.memberId, cause: 'switch', fromFundId: fromFund.fundId, ...bought },
        unitsIssuedEntry(toFund.fundId, member.memberId, currency, amount),
      ),
    ],
    result: { effectiveDate: cmd.effectiveDate, currency, ...switched },
  };
}

/**
 * The member's holdings valid on asOf (zero holdings left out, sorted by fund),
 * valued at each fund's NAV valid on asOf: value = round2(units * nav).
 * `fundAt` gives the fund states folded at the same knownAt as the member.
 * totalValue adds every currency (api.md); totalValueByCurrency splits it.
 */
export function memberFigures(
  state: MemberState,
  fundAt: (fundId: string) => FundState | undefined,
  asOf: IsoDate,
): { holdings: MemberHolding[]; totalValue: Decimal; totalValueByCurrency: { currency: string; value: Decimal }[] } {
  const holdings: MemberHolding[] = [];
  const byCurrency = new Map<string, Decimal>();
  let totalValue = ZERO;
  const entries = [...memberHoldingsOn(state, asOf)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [fundId, units] of entries) {
    if (units.isZero()) continue;
    const fund = fundAt(fundId);
    // A member's units came from a decision on that fund, recorded in the same record.
    if (!fund) throw new Error(`member ${state.memberId} holds units of fund ${fundId}, unknown at the same knownAt`);
    const { navPerUnit } = navOn(fund, asOf);
    const value = round2(units.times(navPerUnit));
    totalValue = totalValue.plus(value);
    byCurrency.set(fund.currency, (byCurrency.get(fund.currency) ?? ZERO).plus(value));
    holdings.push({ fundId, currency: fund.currency, units, navPerUnit, value });
  }
  const totalValueByCurrency = [...byCurrency].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, value]) => ({ currency, value }));
  return { holdings, totalValue, totalValueByCurrency };
}

/**
 * Reverses a contribution (ledger/reversal.ts finds it and says whether it
 * may be): the units it issued are cancelled at its own NAV on its own date
 * and its money leaves the fund (fund cash Cr / member unit liability Dr,
 * the contribution's posting mirrored). Refused when the holding no longer
 * has those units on that date or any later date it moves
 * (insufficient_units): a switch or a fee took them since.
 */
export function decideReverseContribution(member: MemberState, fund: FundState, original: RecordedEvent, cmd: Reverse): Decision {
  const e = parseMemberEvent(original);
  if (e.type !== 'MemberContributed') throw new Error(`a contribution reversal of a ${e.type}`);
  assertSameMember(member, e.payload.memberId);
  assertSameFund(fund, e.payload.fundId);
  const units = new Decimal(e.payload.units);
  const inFund: MemberUnitMovement[] = [];
  for (const m of member.movements) if (m.fundId === fund.fundId) inFund.push(m);
  const floor = floorOf(inFund, original.effectiveDate);
  if (units.gt(floor)) {
    throw new DomainError(
      'insufficient_units',
      `member ${member.memberId} holds ${formatUnits(floor)} units of fund ${fund.fundId} on ${original.effectiveDate} (or later), fewer than the ${e.payload.units} the contribution issued`,
    );
  }
  const { amount, navPerUnit } = e.payload;
  const figures = { reversesCommandId: original.commandId, units: e.payload.units, amount, navPerUnit };
  return {
    events: [
      memberEvent(REVERSAL_EVENT_OF.MemberContributed, member.memberId, original.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures, reason: cmd.reason }),
      fundEvent('UnitsIssueReversed', fund.fundId, original.effectiveDate, { fundId: fund.fundId, memberId: member.memberId, ...figures }, unitsCancelledEntry(fund.fundId, member.memberId, fund.currency, new Decimal(amount))),
    ],
    result: { reversesCommandId: original.commandId, reversed: e.type, memberId: member.memberId, fundId: fund.fundId, effectiveDate: original.effectiveDate, currency: fund.currency, amount, units: e.payload.units, navPerUnit },
  };
}

// ---------------------------------------------------------------- fold

function withMovement(state: MemberState, movement: MemberUnitMovement): MemberState {
  const holdings = new Map(state.holdings);
  holdings.set(movement.fundId, (holdings.get(movement.fundId) ?? ZERO).plus(movement.units));
  return { ...state, movements: state.movements.append(movement), holdings };
}

/** Folds one member event (any schema version already upcast to v1); fund events are not this fold's. */
export function evolveMember(state: MemberState | undefined, event: RecordedEvent | DomainEvent): MemberState {
  const e = parseMemberEvent(event);
  if (e.type === 'MemberRegistered') {
    if (state) throw new Error(`member ${e.payload.memberId} registered twice`);
    return { memberId: e.payload.memberId, name: e.payload.name, movements: AppendLog.empty(), holdings: new Map() };
  }
  if (!state) throw new Error(`${e.type} before MemberRegistered for member ${e.payload.memberId}`);
  const date = e.effectiveDate;
  switch (e.type) {
    case 'MemberContributed':
      return withMovement(state, { effectiveDate: date, fundId: e.payload.fundId, units: new Decimal(e.payload.units) });
    case 'UnitsSwitched': {
      const out = withMovement(state, { effectiveDate: date, fundId: e.payload.fromFundId, units: new Decimal(e.payload.unitsSold).neg() });
      return withMovement(out, { effectiveDate: date, fundId: e.payload.toFundId, units: new Decimal(e.payload.unitsBought) });
    }
    case 'MemberFeeCharged':
      return withMovement(state, { effectiveDate: date, fundId: e.payload.fundId, units: new Decimal(e.payload.unitsCancelled).neg() });
    case 'ContributionReversed':
      return withMovement(state, { effectiveDate: date, fundId: e.payload.fundId, units: new Decimal(e.payload.units).neg() });
    case 'MemberUnitsCorrected':
      return withMovement(state, { effectiveDate: date, fundId: e.payload.fundId, units: new Decimal(e.payload.units) });
  }
}
