// A pension member: state, deciders and the fold of its own events.
// A contribution, a switch and a withdrawal touch the member and the fund(s):
// their decision carries an event for every entity touched (made durable together):
//   contribution: MemberContributed (member) + UnitsIssued (fund)
//   switch:       UnitsSwitched (member) + UnitsCancelled (fund A) + UnitsIssued (fund B)
//   withdrawal:   MemberWithdrew (member) + UnitsRedeemed (fund)
// evolveMember folds only member events, evolveFund only fund events. The
// journal is on the fund events (see events.ts).
import { AppendLog } from '../common/append-log';
import { addDays, type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, formatUnits, round2, round6 } from '../common/decimal';
import { DomainError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import { EMPTY_ENTRY, unitsCancelledEntry, unitsIssuedEntry } from './accounts';
import type { Contribute, RegisterMember, Switch, Withdraw } from './commands';
import { REVERSAL_EVENT_OF, type Reverse } from '../ledger/reversal';
import { type MemberEvent, type MemberEventType, memberEventVersion, parseMemberEvent } from './events';
import type { WithdrawalKind } from './fields';
import { type FundState, assertSameFund, dealingNav, dealingNavs, floorOf, fundEvent, navOn } from './fund';

/** What moved a member's units in a fund (the statement's movement types). */
/** 'correction': units a NAV correction gave or took, with no money. */
export type MemberMovementCause = 'contribution' | 'transfer-in' | 'switch-in' | 'switch-out' | 'fee' | 'withdrawal' | 'correction';

/** A dated change of the member's units in one fund (signed), with its NAV and money (signed like the units). */
export interface MemberUnitMovement {
  effectiveDate: IsoDate;
  fundId: string;
  units: Decimal;
  cause: MemberMovementCause;
  /** A withdrawal's kind. */
  kind?: WithdrawalKind;
  navPerUnit: Decimal;
  /** Money into the holding (positive) or out of it (negative). */
  money: Decimal;
  /** A transfer in's source. */
  source?: string;
  /** A withdrawal's destination. */
  destination?: string;
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
  return { type, v: memberEventVersion(type), entity: { kind: 'member', id: memberId }, effectiveDate, payload, journal };
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
 * A transfer in (kind transfer-in, with its source) is dealt the same way;
 * its events say so (kind, source), a regular one's carry neither.
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
  // Absent on a regular contribution: its stored text is what it always was.
  const transfer = cmd.kind === 'transfer-in' ? { kind: 'transfer-in' as const, ...(cmd.source !== undefined ? { source: cmd.source } : {}) } : {};
  return {
    events: [
      memberEvent('MemberContributed', member.memberId, cmd.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures, ...transfer }),
      fundEvent(
        'UnitsIssued',
        fund.fundId,
        cmd.effectiveDate,
        { fundId: fund.fundId, memberId: member.memberId, cause: 'contribution', ...figures, ...transfer },
        unitsIssuedEntry(fund.fundId, member.memberId, fund.currency, cmd.amount),
      ),
    ],
    result: { memberId: member.memberId, fundId: fund.fundId, effectiveDate: cmd.effectiveDate, currency: fund.currency, ...figures, ...transfer },
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
  const floor = floorOf(movementsIn(member, fromFund.fundId), cmd.effectiveDate);
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

/** The member's movements in one fund, in record order. */
function movementsIn(member: MemberState, fundId: string): MemberUnitMovement[] {
  const mine: MemberUnitMovement[] = [];
  for (const m of member.movements) if (m.fundId === fundId) mine.push(m);
  return mine;
}

/**
 * A withdrawal of `kind` (benefit, lump-sum, transfer-out) from one fund on
 * effectiveDate, at the NAV for that date: given units,
 * amount = round2(units * nav); given an amount, units = round6(amount / nav).
 * The units are cancelled and the amount leaves the fund (member unit
 * liability Dr / fund cash Cr). Checked in this order: the date's NAV
 * (dealingNav: nav_not_published, dealing_date_closed); the units against the
 * holding on that date and every later date it moves (floorOf:
 * insufficient_units); then money that rounds to 0.00 or units that round to
 * 0.000000 (amount_too_small).
 */
export function decideWithdraw(member: MemberState, fund: FundState, cmd: Withdraw): Decision {
  assertSameMember(member, cmd.memberId);
  assertSameFund(fund, cmd.fundId);
  if ((cmd.units === undefined) === (cmd.amount === undefined)) throw new Error('a withdrawal takes exactly one of units and amount');
  const nav = dealingNav(fund, cmd.effectiveDate);
  const units = cmd.units ?? round6((cmd.amount as Decimal).div(nav));
  const amount = cmd.amount ?? round2(units.times(nav));
  const floor = floorOf(movementsIn(member, fund.fundId), cmd.effectiveDate);
  if (units.gt(floor)) {
    throw new DomainError(
      'insufficient_units',
      `member ${member.memberId} holds ${formatUnits(floor)} units of fund ${fund.fundId} on ${cmd.effectiveDate} (or later), fewer than the ${formatUnits(units)} a withdrawal of ${formatMoney(amount)} cancels`,
    );
  }
  if (amount.isZero() || units.isZero()) {
    throw new DomainError('amount_too_small', `a withdrawal of ${formatUnits(units)} units of fund ${fund.fundId} at NAV ${formatUnits(nav)} pays ${formatMoney(amount)}`);
  }
  const figures = {
    kind: cmd.kind,
    ...(cmd.destination !== undefined ? { destination: cmd.destination } : {}),
    units: formatUnits(units),
    amount: formatMoney(amount),
    navPerUnit: formatUnits(nav),
  };
  return {
    events: [
      memberEvent('MemberWithdrew', member.memberId, cmd.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures }),
      fundEvent('UnitsRedeemed', fund.fundId, cmd.effectiveDate, { fundId: fund.fundId, memberId: member.memberId, ...figures }, unitsCancelledEntry(fund.fundId, member.memberId, fund.currency, amount)),
    ],
    result: { memberId: member.memberId, fundId: fund.fundId, effectiveDate: cmd.effectiveDate, currency: fund.currency, ...figures },
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
  const floor = floorOf(movementsIn(member, fund.fundId), original.effectiveDate);
  if (units.gt(floor)) {
    throw new DomainError(
      'insufficient_units',
      `member ${member.memberId} holds ${formatUnits(floor)} units of fund ${fund.fundId} on ${original.effectiveDate} (or later), fewer than the ${e.payload.units} the contribution issued`,
    );
  }
  const { amount, navPerUnit, kind } = e.payload;
  const figures = { reversesCommandId: original.commandId, units: e.payload.units, amount, navPerUnit, ...(kind === 'transfer-in' ? { kind } : {}) };
  return {
    events: [
      memberEvent(REVERSAL_EVENT_OF.MemberContributed, member.memberId, original.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures, reason: cmd.reason }),
      fundEvent('UnitsIssueReversed', fund.fundId, original.effectiveDate, { fundId: fund.fundId, memberId: member.memberId, ...figures }, unitsCancelledEntry(fund.fundId, member.memberId, fund.currency, new Decimal(amount))),
    ],
    result: { reversesCommandId: original.commandId, reversed: e.type, memberId: member.memberId, fundId: fund.fundId, effectiveDate: original.effectiveDate, currency: fund.currency, amount, units: e.payload.units, navPerUnit },
  };
}

/**
 * Reverses a withdrawal (ledger/reversal.ts finds it and says whether it
 * may be): the units it cancelled are issued again at its own NAV on its own
 * date and its money returns to the fund (fund cash Dr / member unit
 * liability Cr, the withdrawal's posting mirrored). Nothing refuses it: a
 * holding only grows.
 */
export function decideReverseWithdrawal(member: MemberState, fund: FundState, original: RecordedEvent, cmd: Reverse): Decision {
  const e = parseMemberEvent(original);
  if (e.type !== 'MemberWithdrew') throw new Error(`a withdrawal reversal of a ${e.type}`);
  assertSameMember(member, e.payload.memberId);
  assertSameFund(fund, e.payload.fundId);
  const { kind, units, amount, navPerUnit } = e.payload;
  const figures = { reversesCommandId: original.commandId, kind, units, amount, navPerUnit };
  return {
    events: [
      memberEvent(REVERSAL_EVENT_OF.MemberWithdrew, member.memberId, original.effectiveDate, { memberId: member.memberId, fundId: fund.fundId, ...figures, reason: cmd.reason }),
      fundEvent('UnitsRedemptionReversed', fund.fundId, original.effectiveDate, { fundId: fund.fundId, memberId: member.memberId, ...figures }, unitsIssuedEntry(fund.fundId, member.memberId, fund.currency, new Decimal(amount))),
    ],
    result: { reversesCommandId: original.commandId, reversed: e.type, memberId: member.memberId, fundId: fund.fundId, effectiveDate: original.effectiveDate, currency: fund.currency, amount, units, navPerUnit },
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
    case 'MemberContributed': {
      const p = e.payload;
      return withMovement(state, {
        effectiveDate: date,
        fundId: p.fundId,
        units: new Decimal(p.units),
        cause: p.kind === 'transfer-in' ? 'transfer-in' : 'contribution',
        navPerUnit: new Decimal(p.navPerUnit),
        money: new Decimal(p.amount),
        ...(p.source !== undefined ? { source: p.source } : {}),
      });
    }
    case 'UnitsSwitched': {
      const p = e.payload;
      const amount = new Decimal(p.amount);
      const out = withMovement(state, { effectiveDate: date, fundId: p.fromFundId, units: new Decimal(p.unitsSold).neg(), cause: 'switch-out', navPerUnit: new Decimal(p.fromNavPerUnit), money: amount.neg() });
      return withMovement(out, { effectiveDate: date, fundId: p.toFundId, units: new Decimal(p.unitsBought), cause: 'switch-in', navPerUnit: new Decimal(p.toNavPerUnit), money: amount });
    }
    case 'MemberFeeCharged': {
      const p = e.payload;
      return withMovement(state, { effectiveDate: date, fundId: p.fundId, units: new Decimal(p.unitsCancelled).neg(), cause: 'fee', navPerUnit: new Decimal(p.navPerUnit), money: new Decimal(p.fee).neg() });
    }
    case 'MemberWithdrew': {
      const p = e.payload;
      return withMovement(state, {
        effectiveDate: date,
        fundId: p.fundId,
        units: new Decimal(p.units).neg(),
        cause: 'withdrawal',
        kind: p.kind,
        navPerUnit: new Decimal(p.navPerUnit),
        money: new Decimal(p.amount).neg(),
        ...(p.destination !== undefined ? { destination: p.destination } : {}),
      });
    }
    // A contribution taken back: its units and money out, on its date, at its own NAV (a negative contribution or transfer in).
    case 'ContributionReversed': {
      const p = e.payload;
      return withMovement(state, {
        effectiveDate: date,
        fundId: p.fundId,
        units: new Decimal(p.units).neg(),
        cause: p.kind === 'transfer-in' ? 'transfer-in' : 'contribution',
        navPerUnit: new Decimal(p.navPerUnit),
        money: new Decimal(p.amount).neg(),
      });
    }
    // A withdrawal taken back: its units and money in again, on its date, at its own NAV (a negative withdrawal).
    case 'WithdrawalReversed': {
      const p = e.payload;
      return withMovement(state, { effectiveDate: date, fundId: p.fundId, units: new Decimal(p.units), cause: 'withdrawal', kind: p.kind, navPerUnit: new Decimal(p.navPerUnit), money: new Decimal(p.amount) });
    }
    // Units given or taken by a NAV correction: no money (the deal's money was right).
    case 'MemberUnitsCorrected': {
      const p = e.payload;
      const navPerUnit = new Decimal(p.navPerUnit);
      let after = new Decimal(p.units).isZero() ? state : withMovement(state, { effectiveDate: date, fundId: p.fundId, units: new Decimal(p.units), cause: 'correction', navPerUnit, money: ZERO });
      // Cash owed: more (or less) of the deal's flow paid out, with no units.
      for (const o of p.owed ?? []) {
        after = withMovement(after, { effectiveDate: date, fundId: p.fundId, units: ZERO, cause: o.cause, ...(o.kind !== undefined ? { kind: o.kind } : {}), navPerUnit, money: new Decimal(o.amount).neg() });
      }
      return after;
    }
  }
}

// ---------------------------------------------------------------- statement

/** One movement of a statement: the member's units and money in one fund on one date (both signed: out negative). */
export interface StatementMovement {
  effectiveDate: IsoDate;
  type: MemberMovementCause;
  kind?: WithdrawalKind;
  units: Decimal;
  navPerUnit: Decimal;
  amount: Decimal;
  source?: string;
  destination?: string;
}

/** A member's statement for one fund over the dates [from, to] (statementOf). */
export interface FundStatement {
  fundId: string;
  currency: string;
  openingUnits: Decimal;
  openingNavPerUnit: Decimal;
  openingValue: Decimal;
  contributions: Decimal;
  transfersIn: Decimal;
  switchesIn: Decimal;
  switchesOut: Decimal;
  fees: Decimal;
  withdrawals: Record<WithdrawalKind, Decimal>;
  withdrawalsTotal: Decimal;
  /** What the money flows leave unexplained: closingValue - openingValue - the flows in + the flows out (NAV changes). */
  investmentReturn: Decimal;
  closingUnits: Decimal;
  closingNavPerUnit: Decimal;
  closingValue: Decimal;
  movements: StatementMovement[];
}

/**
 * A member's statement over the dates [from, to], per fund held on the day
 * before `from` or dealt in during [from, to], by fundId:
 * opening = the holding valid on from - 1 day, valued at the NAV valid on that
 * day; closing = the holding valid on `to`, at the NAV valid on `to`;
 * value = round2(units * nav). Every movement dated in [from, to], by date,
 * then in record order. The money figures are positive sums of the movements'
 * amounts, by type (withdrawals by kind). Exactly, per fund:
 *   closingUnits = openingUnits + the sum of the movements' units
 *   closingValue = openingValue + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawalsTotal + investmentReturn
 * (the second defines investmentReturn). `fundAt` gives the fund states folded
 * at the same knownAt as the member.
 */
export function statementOf(state: MemberState, fundAt: (fundId: string) => FundState | undefined, from: IsoDate, to: IsoDate): FundStatement[] {
  if (from > to) throw new Error(`statement from ${from} after ${to}`);
  const opening = addDays(from, -1);
  const byFund = new Map<string, { openingUnits: Decimal; moves: MemberUnitMovement[] }>();
  for (const m of state.movements) {
    if (m.effectiveDate > to) continue;
    let entry = byFund.get(m.fundId);
    if (!entry) byFund.set(m.fundId, (entry = { openingUnits: ZERO, moves: [] }));
    if (m.effectiveDate <= opening) entry.openingUnits = entry.openingUnits.plus(m.units);
    else entry.moves.push(m);
  }
  const statements: FundStatement[] = [];
  for (const fundId of [...byFund.keys()].sort()) {
    const { openingUnits, moves } = byFund.get(fundId) as { openingUnits: Decimal; moves: MemberUnitMovement[] };
    if (openingUnits.isZero() && moves.length === 0) continue;
    const fund = fundAt(fundId);
    if (!fund) throw new Error(`member ${state.memberId} holds units of fund ${fundId}, unknown at the same knownAt`);
    // Stable: one date's movements stay in record order.
    const ordered = [...moves].sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
    const sums = { contributions: ZERO, transfersIn: ZERO, switchesIn: ZERO, switchesOut: ZERO, fees: ZERO };
    const withdrawals: Record<WithdrawalKind, Decimal> = { benefit: ZERO, 'lump-sum': ZERO, 'transfer-out': ZERO };
    let closingUnits = openingUnits;
    for (const m of ordered) {
      closingUnits = closingUnits.plus(m.units);
      // Signed: money in adds to the flows in, money out to the flows out; a reversed contribution nets its contribution.
      const out = m.money.neg();
      if (m.cause === 'contribution') sums.contributions = sums.contributions.plus(m.money);
      else if (m.cause === 'transfer-in') sums.transfersIn = sums.transfersIn.plus(m.money);
      else if (m.cause === 'switch-in') sums.switchesIn = sums.switchesIn.plus(m.money);
      else if (m.cause === 'switch-out') sums.switchesOut = sums.switchesOut.plus(out);
      else if (m.cause === 'fee') sums.fees = sums.fees.plus(out);
      else if (m.cause === 'withdrawal') withdrawals[m.kind as WithdrawalKind] = withdrawals[m.kind as WithdrawalKind].plus(out);
      // A correction moves units only: its value is in the investment return.
    }
    const withdrawalsTotal = withdrawals.benefit.plus(withdrawals['lump-sum']).plus(withdrawals['transfer-out']);
    const openingNavPerUnit = navOn(fund, opening).navPerUnit;
    const closingNavPerUnit = navOn(fund, to).navPerUnit;
    const openingValue = round2(openingUnits.times(openingNavPerUnit));
    const closingValue = round2(closingUnits.times(closingNavPerUnit));
    const investmentReturn = closingValue
      .minus(openingValue)
      .minus(sums.contributions)
      .minus(sums.transfersIn)
      .minus(sums.switchesIn)
      .plus(sums.switchesOut)
      .plus(sums.fees)
      .plus(withdrawalsTotal);
    statements.push({
      fundId,
      currency: fund.currency,
      openingUnits,
      openingNavPerUnit,
      openingValue,
      ...sums,
      withdrawals,
      withdrawalsTotal,
      investmentReturn,
      closingUnits,
      closingNavPerUnit,
      closingValue,
      movements: ordered.map((m) => ({
        effectiveDate: m.effectiveDate,
        type: m.cause,
        ...(m.kind !== undefined ? { kind: m.kind } : {}),
        units: m.units,
        navPerUnit: m.navPerUnit,
        amount: m.money,
        ...(m.source !== undefined ? { source: m.source } : {}),
        ...(m.destination !== undefined ? { destination: m.destination } : {}),
      })),
    });
  }
  return statements;
}
