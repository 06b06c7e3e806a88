// A defined-contribution fund under forward pricing (domain.md): state,
// deciders and the fold of its own events. Member-side deciders
// (contribution, switch) are in member.ts and return fund events too.
//
// Valid time: every unit and money movement is dated, so figures and the
// holdings used by a decider are the ones valid on a date. A dealing
// (contribution, switch, fee) on D is priced at the NAV struck for D, and D's
// dealings close once a later NAV is struck: a dealing dated D is refused
// (dealing_date_closed) when the fund, or either fund of a switch, already
// has a valuation dated after D (see dealingNavs). That later valuation's net
// assets were struck without the dealing's money, which would otherwise be
// lost from every date from it on. Valuations themselves may be back-dated
// (a NAV for an earlier date prices nothing dealt before it was struck).
// "No holding negative" is still checked on the dealing's date and on every
// later date the holding moves (floorOf).
//
// Net assets valid on D: the net assets of the latest valuation on or before
// D, plus the money movements dated from that valuation date through D
// (dealing on a date needs its NAV, so it always follows the valuation of
// that date, and never precedes a later one). Before any valuation: the sum
// of the money movements (none, in practice).
import { AppendLog } from '../common/append-log';
import { addDays, type IsoDate } from '../common/dates';
import { Decimal, ZERO, formatMoney, formatUnits, round2, round6, sum } from '../common/decimal';
import { DomainError, NotFoundError } from '../common/errors';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { JournalEntry } from '../common/journal';
import { EMPTY_ENTRY, cashOwedEntry, feeEntry, feeSettlementEntry, valuationEntry } from './accounts';
import type { ChargeFee, CorrectValuation, LaunchFund, SettleFees, StrikeValuation } from './commands';
import { MEMBER_EVENT_VERSION, type FeeChargedPayload, type FundEvent, type FundEventType, type MemberFeeChargedPayload, type MemberUnitsCorrectedPayload, type ValuationCorrectedPayload, fundEventVersion, memberEventVersion, parseFundEvent } from './events';
import { ANNUAL_RATE_FRACTION_DIGITS, type DayCount, type WithdrawalKind } from './fields';

export interface Valuation {
  navPerUnit: Decimal;
  netAssets: Decimal;
}

/** 'correction': units given or taken by a NAV correction (no money: the deal's money was right, its units were not). */
export type MovementCause = 'contribution' | 'transfer-in' | 'switch-in' | 'switch-out' | 'fee' | 'withdrawal' | 'correction';

/** A dated change of one member's units in the fund and of the fund's net assets (signed). */
export interface UnitMovement {
  effectiveDate: IsoDate;
  memberId: string;
  cause: MovementCause;
  /** A withdrawal's kind. */
  kind?: WithdrawalKind;
  units: Decimal;
  money: Decimal;
}

/** A fund's movement over the dates (opening, closing]: the fund report's line (a NAV correction's cash owed counts in the flow of its deal). */
export interface FundPeriodFigures {
  openingUnits: Decimal;
  unitsIssued: Decimal;
  unitsCancelled: Decimal;
  closingUnits: Decimal;
  openingNetAssets: Decimal;
  contributions: Decimal;
  /** Contributions of kind transfer-in (not in contributions). */
  transfersIn: Decimal;
  switchesIn: Decimal;
  switchesOut: Decimal;
  fees: Decimal;
  /** Every withdrawal's money; withdrawalsByKind splits it. */
  withdrawals: Decimal;
  withdrawalsByKind: Record<WithdrawalKind, Decimal>;
  /** Per valuation in the range: its net assets less the net assets at the end of the day before. */
  marketMovement: Decimal;
  closing: FundFigures;
}

/**
 * What a valuation posted besides unit movements, valid from effectiveDate
 * (signed): to the fund's books (fund assets less fees payable) and to the
 * unit liability (the members' accounts and the fund's revaluation).
 */
export interface FundBooking {
  effectiveDate: IsoDate;
  netAssets: Decimal;
  unitLiability: Decimal;
}

/** A payment of fees payable out of the fund's assets. */
export interface FeeSettlement {
  effectiveDate: IsoDate;
  amount: Decimal;
}

export interface FundState {
  fundId: string;
  currency: string;
  launchNav: Decimal;
  /** Valuation (NAV per unit, net assets) by valuation date. */
  valuations: ReadonlyMap<IsoDate, Valuation>;
  /** Every unit movement known, in record order (shared between versions: see AppendLog). */
  movements: AppendLog<UnitMovement>;
  /** Over every known movement, whatever its date. */
  unitsOutstanding: Decimal;
  /** Every valuation's posting (and hand-back), in record order. */
  bookings: AppendLog<FundBooking>;
  settlements: AppendLog<FeeSettlement>;
}

export interface FundFigures {
  /** NAV of the latest valuation on or before asOf, else the launch NAV. */
  navPerUnit: Decimal;
  /** Date of that valuation; null for the launch NAV. */
  valuationDate: IsoDate | null;
  unitsOutstanding: Decimal;
  netAssets: Decimal;
}

// ---------------------------------------------------------------- figures

/** Units per member valid on `asOf`. */
export function holdingsOn(state: FundState, asOf: IsoDate): Map<string, Decimal> {
  const holdings = new Map<string, Decimal>();
  for (const m of state.movements) {
    if (m.effectiveDate <= asOf) holdings.set(m.memberId, (holdings.get(m.memberId) ?? ZERO).plus(m.units));
  }
  return holdings;
}

export function unitsOutstandingOn(state: FundState, asOf: IsoDate): Decimal {
  let units = ZERO;
  for (const m of state.movements) if (m.effectiveDate <= asOf) units = units.plus(m.units);
  return units;
}

function latestValuation(state: FundState, asOf: IsoDate): IsoDate | undefined {
  let latest: IsoDate | undefined;
  for (const date of state.valuations.keys()) if (date <= asOf && (latest === undefined || date > latest)) latest = date;
  return latest;
}

/** The NAV valid on asOf: the latest struck on or before it, else the launch NAV (valuationDate null). */
export function navOn(state: FundState, asOf: IsoDate): { navPerUnit: Decimal; valuationDate: IsoDate | null } {
  const date = latestValuation(state, asOf);
  const valuation = date === undefined ? undefined : state.valuations.get(date);
  return valuation && date !== undefined ? { navPerUnit: valuation.navPerUnit, valuationDate: date } : { navPerUnit: state.launchNav, valuationDate: null };
}

/**
 * Net assets valid on asOf: those of the latest valuation on or before it plus
 * the money of every dealing dated from that valuation date through asOf
 * (dealings on a valuation date follow its NAV: forward pricing).
 */
export function netAssetsOn(state: FundState, asOf: IsoDate): Decimal {
  const date = latestValuation(state, asOf);
  let netAssets = date === undefined ? ZERO : (state.valuations.get(date) as Valuation).netAssets;
  for (const m of state.movements) if (m.effectiveDate <= asOf && (date === undefined || m.effectiveDate >= date)) netAssets = netAssets.plus(m.money);
  return netAssets;
}

export function fundFigures(state: FundState, asOf: IsoDate): FundFigures {
  return { ...navOn(state, asOf), unitsOutstanding: unitsOutstandingOn(state, asOf), netAssets: netAssetsOn(state, asOf) };
}

/**
 * The fund's movement over the dates (opening, closing]. Every figure is
 * summed from the movements and valuations themselves, so the identities
 *   closingUnits = openingUnits + unitsIssued - unitsCancelled
 *   closing.netAssets = openingNetAssets + contributions + transfersIn + switchesIn - switchesOut - fees - withdrawals + marketMovement
 *   withdrawals = the sum of withdrawalsByKind
 * are checks of the fold, not definitions.
 */
export function fundPeriodFigures(state: FundState, opening: IsoDate, closing: IsoDate): FundPeriodFigures {
  if (opening > closing) throw new Error(`period opening ${opening} after its closing ${closing}`);
  const flows = { unitsIssued: ZERO, unitsCancelled: ZERO, contributions: ZERO, transfersIn: ZERO, switchesIn: ZERO, switchesOut: ZERO, fees: ZERO, withdrawals: ZERO };
  const withdrawalsByKind: Record<WithdrawalKind, Decimal> = { benefit: ZERO, 'lump-sum': ZERO, 'transfer-out': ZERO };
  for (const m of state.movements) {
    if (m.effectiveDate <= opening || m.effectiveDate > closing) continue;
    if (m.units.isNegative()) flows.unitsCancelled = flows.unitsCancelled.minus(m.units);
    else flows.unitsIssued = flows.unitsIssued.plus(m.units);
    if (m.cause === 'contribution') flows.contributions = flows.contributions.plus(m.money);
    else if (m.cause === 'transfer-in') flows.transfersIn = flows.transfersIn.plus(m.money);
    else if (m.cause === 'switch-in') flows.switchesIn = flows.switchesIn.plus(m.money);
    else if (m.cause === 'switch-out') flows.switchesOut = flows.switchesOut.minus(m.money);
    else if (m.cause === 'correction') continue;
    else if (m.cause === 'withdrawal') {
      flows.withdrawals = flows.withdrawals.minus(m.money);
      const kind = m.kind as WithdrawalKind;
      withdrawalsByKind[kind] = withdrawalsByKind[kind].minus(m.money);
    } else flows.fees = flows.fees.minus(m.money);
  }
  let marketMovement = ZERO;
  for (const [date, valuation] of state.valuations) {
    if (date <= opening || date > closing) continue;
    marketMovement = marketMovement.plus(valuation.netAssets.minus(netAssetsOn(state, addDays(date, -1))));
  }
  return {
    openingUnits: unitsOutstandingOn(state, opening),
    closingUnits: unitsOutstandingOn(state, closing),
    openingNetAssets: netAssetsOn(state, opening),
    ...flows,
    withdrawalsByKind,
    marketMovement,
    closing: fundFigures(state, closing),
  };
}

/**
 * The lowest end-of-day holding on `from` and on every later date it moves,
 * from a holding's movements: what a cancellation effective `from` may take
 * at most without leaving the holding negative at the end of some day.
 * Movements of one date are netted first (their record order is not an
 * intra-day order).
 */
export function floorOf(movements: Iterable<{ effectiveDate: IsoDate; units: Decimal }>, from: IsoDate): Decimal {
  let holding = ZERO;
  const later = new Map<IsoDate, Decimal>();
  for (const m of movements) {
    if (m.effectiveDate <= from) holding = holding.plus(m.units);
    else later.set(m.effectiveDate, (later.get(m.effectiveDate) ?? ZERO).plus(m.units));
  }
  let floor = holding;
  for (const date of [...later.keys()].sort()) {
    holding = holding.plus(later.get(date) as Decimal);
    if (holding.lt(floor)) floor = holding;
  }
  return floor;
}

/** floorOf for every member's holding in the fund, in one pass over the fund's movements. */
export function holdingFloors(state: FundState, from: IsoDate): Map<string, Decimal> {
  const byMember = new Map<string, UnitMovement[]>();
  for (const m of state.movements) {
    const mine = byMember.get(m.memberId);
    if (mine) mine.push(m);
    else byMember.set(m.memberId, [m]);
  }
  const floors = new Map<string, Decimal>();
  for (const [memberId, mine] of byMember) floors.set(memberId, floorOf(mine, from));
  return floors;
}

/**
 * The NAVs to deal at on `date` in each of `funds` (one for a contribution or
 * a fee, two for a switch), in the order given: the rule of forward pricing,
 * checked here only. In this order:
 *   1. nav_not_published: a fund has no NAV struck for `date`, or a NAV of
 *      zero (net assets that round to 0.000000 per unit cannot price a deal);
 *   2. dealing_date_closed: a fund already has a NAV struck for a date after
 *      `date`. Its net assets were struck without this dealing's money, so
 *      the dealing would vanish from the fund's net assets from then on while
 *      its units stayed: `date`'s dealings closed when the later NAV was struck.
 * Every fund is checked for (1) before any for (2).
 */
export function dealingNavs(date: IsoDate, ...funds: FundState[]): Decimal[] {
  const navs = funds.map((state) => {
    const valuation = state.valuations.get(date);
    if (!valuation) throw new DomainError('nav_not_published', `fund ${state.fundId} has no NAV for ${date}`);
    if (valuation.navPerUnit.isZero()) throw new DomainError('nav_not_published', `fund ${state.fundId} has a NAV of 0 for ${date}: no dealing at it`);
    return valuation.navPerUnit;
  });
  for (const state of funds) {
    let latest = date;
    for (const struck of state.valuations.keys()) if (struck > latest) latest = struck;
    if (latest > date) {
      throw new DomainError('dealing_date_closed', `fund ${state.fundId} has a NAV struck for ${latest}, after ${date}: dealings on ${date} are closed`);
    }
  }
  return navs;
}

/** The NAV to deal at on `date` in one fund: dealingNavs(date, state). */
export function dealingNav(state: FundState, date: IsoDate): Decimal {
  return dealingNavs(date, state)[0];
}

// ---------------------------------------------------------------- books

/**
 * The fund's books valid on asOf, from what was posted: fund assets less
 * fees payable (every unit movement's money, every valuation's gain) and the
 * unit liability (every unit movement's money, every valuation's
 * revaluation). A fee settlement moves neither (fees payable Dr / fund assets Cr).
 */
export function fundBooksOn(state: FundState, asOf: IsoDate): { netAssets: Decimal; unitLiability: Decimal } {
  let money = ZERO;
  for (const m of state.movements) if (m.effectiveDate <= asOf) money = money.plus(m.money);
  let netAssets = money;
  let unitLiability = money;
  for (const b of state.bookings) {
    if (b.effectiveDate > asOf) continue;
    netAssets = netAssets.plus(b.netAssets);
    unitLiability = unitLiability.plus(b.unitLiability);
  }
  return { netAssets, unitLiability };
}

/** Fees payable valid on asOf: the fees charged less those settled. */
export function feesPayableOn(state: FundState, asOf: IsoDate): Decimal {
  let payable = ZERO;
  for (const m of state.movements) if (m.cause === 'fee' && m.effectiveDate <= asOf) payable = payable.minus(m.money);
  for (const s of state.settlements) if (s.effectiveDate <= asOf) payable = payable.minus(s.amount);
  return payable;
}

/** The members' holdings valid on `date` at `nav`, each rounded on its own: sum of round2(units * nav). */
export function holdingsValue(state: FundState, date: IsoDate, nav: Decimal): Decimal {
  let value = ZERO;
  for (const units of holdingsOn(state, date).values()) if (!units.isZero()) value = value.plus(round2(units.times(nav)));
  return value;
}

/** What a valuation posts (see valuationPosting). */
export interface ValuationPosting {
  gain: Decimal;
  revaluation: Decimal;
  rounding: Decimal;
  /** The date of the next valuation after it, when there is one: its postings are handed back then. */
  handBackDate?: IsoDate;
}

/**
 * The rule that ties the books to a valuation (struck `netAssets`, NAV `nav`
 * for `date`), from the fund's state before it:
 *   gain        = netAssets - (fund assets - fees payable) valid on date,
 *   revaluation = sum of round2(units * nav) over the holdings valid on date
 *                 - the unit liability valid on date,
 *   rounding    = gain - revaluation.
 * So after it, fund assets less fees payable equal the struck net assets and
 * the unit liability equals the holdings at the NAV, the unit rounding
 * account taking what per-holding rounding leaves. A valuation back-dated
 * before a later one hands its postings back on that later date: the later
 * valuation took the books to its own figures already.
 */
export function valuationPosting(state: FundState, date: IsoDate, netAssets: Decimal, nav: Decimal): ValuationPosting {
  const books = fundBooksOn(state, date);
  const gain = netAssets.minus(books.netAssets);
  const revaluation = holdingsValue(state, date, nav).minus(books.unitLiability);
  let handBackDate: IsoDate | undefined;
  for (const struck of state.valuations.keys()) if (struck > date && (handBackDate === undefined || struck < handBackDate)) handBackDate = struck;
  return { gain, revaluation, rounding: gain.minus(revaluation), ...(handBackDate === undefined ? {} : { handBackDate }) };
}

// ---------------------------------------------------------------- events

export function fundEvent<T extends FundEventType>(
  type: T,
  fundId: string,
  effectiveDate: IsoDate,
  payload: Extract<FundEvent, { type: T }>['payload'],
  journal: JournalEntry,
): DomainEvent {
  return { type, v: fundEventVersion(type), entity: { kind: 'fund', id: fundId }, effectiveDate, payload, journal };
}

export function assertSameFund(state: FundState, fundId: string): void {
  if (state.fundId !== fundId) throw new Error(`command for fund ${fundId} decided on fund ${state.fundId}`);
}

// ---------------------------------------------------------------- deciders

/**
 * LaunchFund carries no date: `effectiveDate` is supplied by the caller (the
 * API passes the UTC date the command is recorded on), so the decider stays
 * free of a clock.
 */
export function decideLaunchFund(existing: FundState | undefined, cmd: LaunchFund, effectiveDate: IsoDate): Decision {
  if (existing) throw new DomainError('entity_exists', `fund ${cmd.fundId} already exists`);
  const launchNavPerUnit = formatUnits(cmd.launchNavPerUnit);
  const event = fundEvent('FundLaunched', cmd.fundId, effectiveDate, { fundId: cmd.fundId, currency: cmd.currency, launchNavPerUnit }, EMPTY_ENTRY);
  return { events: [event], result: { fundId: cmd.fundId, currency: cmd.currency, launchNavPerUnit } };
}

/**
 * The NAV `netAssets` strike for `date`: round6(netAssets / units), the units
 * being those of dealings before that date; the launch NAV while there are
 * none. A valuation and its correction strike by this one rule.
 */
export function struckNav(state: FundState, date: IsoDate, netAssets: Decimal): { units: Decimal; nav: Decimal } {
  let units = ZERO;
  for (const m of state.movements) if (m.effectiveDate < date) units = units.plus(m.units);
  return { units, nav: units.isZero() ? state.launchNav : round6(netAssets.div(units)) };
}

/**
 * Strikes the NAV for valuationDate: round6(netAssets / unitsOutstanding),
 * the units outstanding being those of dealings before that date; the launch
 * NAV while the fund has no units. A date's NAV is struck once: dealings on
 * it were priced at it, so a second valuation for the same date is refused
 * (entity_exists); a correction is a valuation for a later date. Striking it
 * closes the dealings of every earlier date (dealing_date_closed); a valuation
 * may itself be back-dated.
 * It posts the gain and revalues the unit liability (valuationPosting).
 */
export function decideStrikeValuation(state: FundState, cmd: StrikeValuation): Decision {
  assertSameFund(state, cmd.fundId);
  if (state.valuations.has(cmd.valuationDate)) {
    throw new DomainError('entity_exists', `fund ${state.fundId} already has a NAV for ${cmd.valuationDate}`);
  }
  const { units, nav } = struckNav(state, cmd.valuationDate, cmd.netAssets);
  const posting = valuationPosting(state, cmd.valuationDate, cmd.netAssets, nav);
  const payload = {
    fundId: state.fundId,
    netAssets: formatMoney(cmd.netAssets),
    unitsOutstanding: formatUnits(units),
    navPerUnit: formatUnits(nav),
    gain: formatMoney(posting.gain),
    revaluation: formatMoney(posting.revaluation),
    rounding: formatMoney(posting.rounding),
    ...(posting.handBackDate === undefined ? {} : { handBackDate: posting.handBackDate }),
  };
  const journal = valuationEntry(state.fundId, state.currency, posting, cmd.valuationDate, posting.handBackDate);
  return {
    events: [fundEvent('ValuationStruck', state.fundId, cmd.valuationDate, payload, journal)],
    result: { valuationDate: cmd.valuationDate, ...payload },
  };
}

/**
 * Pays `amount` of fees payable out of the fund's assets on effectiveDate
 * (fees payable Dr / fund assets Cr): at most what is payable on that date
 * and on every later date a fee or a settlement moves it
 * (settlement_exceeds_fees_payable). Net assets and the NAV do not move:
 * the fees left them when charged.
 */
export function decideSettleFees(state: FundState, cmd: SettleFees): Decision {
  assertSameFund(state, cmd.fundId);
  // The lowest fees payable on the date and every later date they move: floorOf over the fees (in) and settlements (out).
  const moves: { effectiveDate: IsoDate; units: Decimal }[] = [];
  for (const m of state.movements) if (m.cause === 'fee') moves.push({ effectiveDate: m.effectiveDate, units: m.money.neg() });
  for (const s of state.settlements) moves.push({ effectiveDate: s.effectiveDate, units: s.amount.neg() });
  const available = floorOf(moves, cmd.effectiveDate);
  if (cmd.amount.gt(available)) {
    throw new DomainError(
      'settlement_exceeds_fees_payable',
      `fund ${state.fundId} owes ${formatMoney(available)} of fees on ${cmd.effectiveDate} (or later), less than ${formatMoney(cmd.amount)}`,
    );
  }
  const amount = formatMoney(cmd.amount);
  const event = fundEvent('FeesSettled', state.fundId, cmd.effectiveDate, { fundId: state.fundId, amount }, feeSettlementEntry(state.fundId, state.currency, cmd.amount));
  return {
    events: [event],
    result: { fundId: state.fundId, effectiveDate: cmd.effectiveDate, currency: state.currency, amount, feesPayable: formatMoney(feesPayableOn(state, cmd.effectiveDate).minus(cmd.amount)) },
  };
}

/** One holding's share of a fee (see feeCharges). */
export interface FeeCharge {
  memberId: string;
  /** Units held on the fee date, before the fee. */
  units: Decimal;
  value: Decimal;
  fee: Decimal;
  unitsCancelled: Decimal;
}

/**
 * A fee's rate: `rate` per charge, or `annualRate` for `days` days on the
 * day count `dayCount` (ACT/365: days / 365), never rounded before it is
 * applied to a holding's value.
 */
export type FeeBasis = { rate: Decimal } | { annualRate: Decimal; days: number; dayCount: DayCount };

/** A holding's fee on `value` (money): round2(value * rate), or round2(value * annualRate * days / 365). */
export function feeOn(value: Decimal, basis: FeeBasis): Decimal {
  if ('rate' in basis) return round2(value.times(basis.rate));
  return round2(value.times(basis.annualRate).times(basis.days).div(365));
}

/** A fee command's or a stored fee's basis. */
export function feeBasisOf(fee: { rate?: Decimal | string; annualRate?: Decimal | string; days?: number; dayCount?: DayCount }): FeeBasis {
  if (fee.rate !== undefined) return { rate: new Decimal(fee.rate) };
  if (fee.annualRate === undefined || fee.days === undefined || fee.dayCount === undefined) throw new Error('a fee without rate, or annualRate with days and dayCount');
  return { annualRate: new Decimal(fee.annualRate), days: fee.days, dayCount: fee.dayCount };
}

/** A fee basis in its stored form: { rate } (6 fraction digits) or { annualRate (10), days, dayCount }. */
export function formatFeeBasis(basis: FeeBasis): { rate: string } | { annualRate: string; days: number; dayCount: DayCount } {
  if ('rate' in basis) return { rate: formatUnits(basis.rate) };
  return { annualRate: basis.annualRate.toFixed(ANNUAL_RATE_FRACTION_DIGITS), days: basis.days, dayCount: basis.dayCount };
}

/** The stored basis fields of a fee payload, in their stored order. */
function storedBasis(p: { rate?: string; annualRate?: string; days?: number; dayCount?: DayCount }): { rate: string } | { annualRate: string; days: number; dayCount: DayCount } {
  return formatFeeBasis(feeBasisOf(p));
}

/** The holdings a fee's answer lists (the first, by memberId); the rest are paged from its holdings endpoint, and each member's history shows its own. */
export const FEE_ANSWER_HOLDINGS_MAX = 1000;

/**
 * The rule of a fee at `rate` by unit cancellation, at the NAV `nav` of its
 * date, on every holding with units valid on that date, by memberId:
 * value = round2(units * nav), fee = round2(value * rate) (or, for an annual
 * rate, round2(value * annualRate * days / 365): feeOn),
 * unitsCancelled = round6(fee / nav); a holding whose fee rounds to 0.00 is
 * not charged. The decider, the fund's fold and the members' events all
 * take a fee's figures from here, from the fund's state before the fee, so a
 * replay derives the figures the decision saw.
 */
export function feeCharges(state: FundState, date: IsoDate, rate: Decimal | FeeBasis, nav: Decimal): FeeCharge[] {
  const basis: FeeBasis = rate instanceof Decimal ? { rate } : rate;
  const charges: FeeCharge[] = [];
  const holdings = [...holdingsOn(state, date)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [memberId, units] of holdings) {
    if (!units.isPositive() || units.isZero()) continue;
    const value = round2(units.times(nav));
    const fee = feeOn(value, basis);
    if (fee.isZero()) continue;
    charges.push({ memberId, units, value, fee, unitsCancelled: round6(fee.div(nav)) });
  }
  return charges;
}

function formatCharge(c: FeeCharge): { memberId: string; units: string; value: string; fee: string; unitsCancelled: string } {
  return { memberId: c.memberId, units: formatUnits(c.units), value: formatMoney(c.value), fee: formatMoney(c.fee), unitsCancelled: formatUnits(c.unitsCancelled) };
}

/**
 * A fee at `rate` by unit cancellation on every holding valid on
 * effectiveDate, at the NAV for that date (feeCharges). Net assets fall by
 * the sum of the fees; the NAV is unchanged. A holding so small that its
 * cancellation would exceed it (then or on a later date) refuses the fee
 * (insufficient_units), after the date's checks of dealingNav
 * (nav_not_published, dealing_date_closed).
 * Emits one FeeCharged on the fund, holding the parameters and totals only:
 * however many holdings, the command is one record. Each member's
 * MemberFeeCharged, with its posting, is derived from it (feeMemberEvents).
 * The answer lists the first FEE_ANSWER_HOLDINGS_MAX holdings, with a
 * `nextCursor` when there are more.
 */
export function decideChargeFee(state: FundState, cmd: ChargeFee): Decision {
  assertSameFund(state, cmd.fundId);
  const nav = dealingNav(state, cmd.effectiveDate);
  const basis = feeBasisOf(cmd);
  const charges = feeCharges(state, cmd.effectiveDate, basis, nav);
  if (charges.length > 0) {
    const floors = holdingFloors(state, cmd.effectiveDate);
    for (const c of charges) {
      if (c.unitsCancelled.gt(floors.get(c.memberId) ?? ZERO)) {
        throw new DomainError(
          'insufficient_units',
          `fee of ${formatMoney(c.fee)} would cancel ${formatUnits(c.unitsCancelled)} units of member ${c.memberId} in fund ${state.fundId}, more than the holding`,
        );
      }
    }
  }
  const payload: FeeChargedPayload = {
    fundId: state.fundId,
    ...formatFeeBasis(basis),
    navPerUnit: formatUnits(nav),
    holders: charges.length,
    totalFee: formatMoney(sum(charges.map((c) => c.fee))),
    totalUnitsCancelled: formatUnits(sum(charges.map((c) => c.unitsCancelled))),
  };
  // The totals are these charges' by construction: what chargesOf would check.
  chargesMemo.set(payload, { state, charges });
  const { fundId, navPerUnit, holders, totalFee, totalUnitsCancelled } = payload;
  return {
    events: [fundEvent('FeeCharged', state.fundId, cmd.effectiveDate, payload, EMPTY_ENTRY)],
    result: {
      effectiveDate: cmd.effectiveDate,
      fundId,
      ...formatFeeBasis(basis),
      navPerUnit,
      holdings: charges.slice(0, FEE_ANSWER_HOLDINGS_MAX).map(formatCharge),
      // More holdings than the answer lists: the last one listed, where GET /v1/funds/{fundId}/fees/{commandId}/holdings goes on.
      ...(holders > FEE_ANSWER_HOLDINGS_MAX ? { nextCursor: charges[FEE_ANSWER_HOLDINGS_MAX - 1].memberId } : {}),
      totalFee,
      totalUnitsCancelled,
    },
  };
}

/**
 * A fee payload's holdings with the fund state they were computed on: the
 * decider, the fund's fold and the members' events of one fee ask for them
 * on the same state object, once each (payloads and states are immutable).
 */
const chargesMemo = new WeakMap<object, { state: FundState; charges: FeeCharge[] }>();

/** A FeeCharged's holdings, from the fund's state before it; crashes when they do not add up to its recorded totals (a replay that derives other figures is a broken ledger). */
function chargesOf(before: FundState, date: IsoDate, payload: FeeChargedPayload): FeeCharge[] {
  const memo = chargesMemo.get(payload);
  if (memo !== undefined && memo.state === before) return memo.charges;
  const charges = feeCharges(before, date, feeBasisOf(payload), new Decimal(payload.navPerUnit));
  const totalFee = formatMoney(sum(charges.map((c) => c.fee)));
  const totalUnitsCancelled = formatUnits(sum(charges.map((c) => c.unitsCancelled)));
  if (charges.length !== payload.holders || totalFee !== payload.totalFee || totalUnitsCancelled !== payload.totalUnitsCancelled) {
    throw new Error(
      `fee on fund ${payload.fundId} of ${date} derives ${charges.length} holdings, ${totalFee}, ${totalUnitsCancelled} units; it recorded ${payload.holders}, ${payload.totalFee}, ${payload.totalUnitsCancelled}`,
    );
  }
  chargesMemo.set(payload, { state: before, charges });
  return charges;
}

/**
 * The MemberFeeCharged of each member a recorded FeeCharged charged, derived
 * from the fund's state before it (chargesOf), stamped as the fee was, each
 * with that holding's posting (member unit liability Dr / fees payable Cr):
 * what a v1 fee recorded on the members, now derived on apply and on replay.
 */
export function feeMemberEvents(before: FundState, fee: RecordedEvent): RecordedEvent[] {
  const { payload: fund, charges } = recordedFeeCharges(before, fee);
  const basis = storedBasis(fund);
  const { navPerUnit } = fund;
  return charges.map((c) => {
    const payload: MemberFeeChargedPayload = { memberId: c.memberId, fundId: before.fundId, ...basis, navPerUnit, fee: formatMoney(c.fee), unitsCancelled: formatUnits(c.unitsCancelled) };
    return {
      type: 'MemberFeeCharged',
      v: memberEventVersion('MemberFeeCharged'),
      entity: { kind: 'member', id: c.memberId },
      effectiveDate: fee.effectiveDate,
      payload,
      journal: feeEntry(before.fundId, before.currency, [c]),
      recordedAt: fee.recordedAt,
      bookingPeriod: fee.bookingPeriod,
      commandId: fee.commandId,
      actor: fee.actor,
    };
  });
}

/** A recorded FeeCharged's holdings, as its answer lists them, from the fund's state before it. */
export function feeHoldings(before: FundState, fee: RecordedEvent): ReturnType<typeof formatCharge>[] {
  return recordedFeeCharges(before, fee).charges.map(formatCharge);
}

/** A recorded FeeCharged's payload and holdings (chargesOf), from the fund's state before it. */
function recordedFeeCharges(before: FundState, fee: RecordedEvent): { payload: FeeChargedPayload; charges: FeeCharge[] } {
  const e = parseFundEvent(fee);
  if (e.type !== 'FeeCharged') throw new Error(`a fee's holdings asked of a ${e.type}`);
  assertSameFund(before, e.payload.fundId);
  return { payload: e.payload, charges: chargesOf(before, fee.effectiveDate, e.payload) };
}

/** A FeeCharged event (decided or recorded): its member events are derived from it (feeMemberEvents). */
export function isFeeCharged(event: DomainEvent): boolean {
  return event.type === 'FeeCharged' && event.entity.kind === 'fund';
}

// ---------------------------------------------------------------- NAV error correction

/** What an error in a NAV is material from: |new - old| / new at least this (the APRA/ASIC unit-pricing threshold). */
export const MATERIAL_ERROR_RATIO = new Decimal('0.003');

/** Money a member is owed (positive) or owes (negative) for deals paid out at the wrong NAV, in the flow of the deal (a withdrawal of its kind, a switch out). */
export interface CashOwed {
  cause: 'withdrawal' | 'switch-out';
  kind?: WithdrawalKind;
  amount: Decimal;
}

/** One member's correction: units (what its deals at the corrected NAV would have bought, less what they did) and cash owed. */
export interface UnitCorrection {
  memberId: string;
  units: Decimal;
  owed: CashOwed[];
}

/**
 * The deals a correction re-prices by units: those whose money was fixed and
 * whose units were bought at the NAV (contributions, transfers in, their
 * reversals, switches in), and an earlier correction's units (no money: a
 * second correction re-prices from the deals again).
 */
const REPRICED: ReadonlySet<MovementCause> = new Set<MovementCause>(['contribution', 'transfer-in', 'switch-in', 'correction']);
/** The deals a correction re-prices by money: units cancelled and paid out at the NAV (withdrawals, switches out, an earlier correction's cash). */
const PAID_OUT: ReadonlySet<MovementCause> = new Set<MovementCause>(['withdrawal', 'switch-out']);

/**
 * The rule of re-pricing the deals dealt at `date` at `nav` instead, each
 * deal on its own as it was rounded:
 *   - bought with money (REPRICED): its units become round6(money / nav); the
 *     member gets the difference as correction units;
 *   - paid out for units (PAID_OUT): its units stay cancelled and its money
 *     becomes round2(units * nav); the difference is owed to (or by) the
 *     member in cash, never dropped.
 * By memberId; members with nothing to correct are left out. An earlier
 * correction's units and cash are deals of the date too, so corrections compose.
 */
export function unitCorrections(state: FundState, date: IsoDate, nav: Decimal): UnitCorrection[] {
  const byMember = new Map<string, { units: Decimal; owed: Map<string, CashOwed> }>();
  const of = (memberId: string) => {
    let c = byMember.get(memberId);
    if (!c) byMember.set(memberId, (c = { units: ZERO, owed: new Map() }));
    return c;
  };
  for (const m of state.movements) {
    if (m.effectiveDate !== date) continue;
    if (REPRICED.has(m.cause)) {
      const c = of(m.memberId);
      c.units = c.units.plus(round6(m.money.div(nav)).minus(m.units));
    } else if (PAID_OUT.has(m.cause)) {
      const cause = m.cause as CashOwed['cause'];
      const key = `${cause}/${m.kind ?? ''}`;
      const owed = of(m.memberId).owed;
      const paid = m.money.neg();
      const due = round2(m.units.neg().times(nav));
      const before = owed.get(key);
      owed.set(key, { cause, ...(m.kind !== undefined ? { kind: m.kind } : {}), amount: (before?.amount ?? ZERO).plus(due.minus(paid)) });
    }
  }
  const corrections: UnitCorrection[] = [];
  for (const [memberId, c] of [...byMember].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const owed = [...c.owed.values()].filter((o) => !o.amount.isZero());
    if (!c.units.isZero() || owed.length > 0) corrections.push({ memberId, units: c.units, owed });
  }
  return corrections;
}

/** The first corrections a correction's answer lists (by memberId); the members' own histories show every one. */
export const CORRECTION_ANSWER_HOLDINGS_MAX = 1000;

/**
 * Re-strikes the NAV of `valuationDate` from corrected net assets, by the
 * original's formula and units: round6(netAssets / unitsOutstanding) (the
 * launch NAV while there were no units). Every deal dealt at it is re-priced
 * (unitCorrections): each member gets correction units so that it holds what
 * it would have held at the right NAV, and a deal paid out at the wrong NAV
 * leaves the difference owed in cash. The valuation's posting is corrected
 * (valuationPosting at the new figures, less what the original posted).
 * Refused when the fund has no valuation for that date (not_found), when a
 * later NAV was struck (valuation_superseded: its net assets and the units it
 * was struck on would be wrong too), when a fee was charged at it
 * (correction_not_supported: every holding's fee would move), and when units
 * it takes back are no longer held (insufficient_units).
 */
export function decideCorrectValuation(state: FundState, cmd: CorrectValuation): Decision {
  assertSameFund(state, cmd.fundId);
  const date = cmd.valuationDate;
  const original = state.valuations.get(date);
  if (!original) throw new NotFoundError('valuation', `${state.fundId}/${date}`);
  for (const struck of state.valuations.keys()) {
    if (struck > date) throw new DomainError('valuation_superseded', `fund ${state.fundId} struck a NAV for ${struck}, after ${date}: only its latest NAV can be corrected`);
  }
  for (const m of state.movements) {
    if (m.effectiveDate === date && m.cause === 'fee') {
      throw new DomainError('correction_not_supported', `fund ${state.fundId} charged a fee at the NAV of ${date}: a correction does not re-price fees`);
    }
  }
  const { units, nav } = struckNav(state, date, cmd.netAssets);
  if (nav.isZero()) throw new DomainError('nav_not_published', `corrected net assets of ${formatMoney(cmd.netAssets)} strike a NAV of 0 for ${date}`);
  const corrections = unitCorrections(state, date, nav);
  // Units taken back (the NAV was struck too low) must still be held, on the date and every later one.
  const taking = corrections.filter((c) => c.units.isNegative());
  if (taking.length > 0) {
    const floors = holdingFloors(state, date);
    for (const c of taking) {
      const floor = floors.get(c.memberId) ?? ZERO;
      if (floor.plus(c.units).isNegative()) {
        throw new DomainError('insufficient_units', `the correction takes ${formatUnits(c.units.neg())} units back from member ${c.memberId}, who holds ${formatUnits(floor)} of fund ${state.fundId} on ${date} (or later)`);
      }
    }
  }
  const posting = correctionPosting(state, date, original, cmd.netAssets, nav);
  const errorRatio = round6(nav.minus(original.navPerUnit).abs().div(nav));
  const payload: ValuationCorrectedPayload = {
    fundId: state.fundId,
    previousNetAssets: formatMoney(original.netAssets),
    previousNavPerUnit: formatUnits(original.navPerUnit),
    netAssets: formatMoney(cmd.netAssets),
    navPerUnit: formatUnits(nav),
    unitsOutstanding: formatUnits(units),
    holders: corrections.length,
    totalCorrectionUnits: formatSignedUnits(sum(corrections.map((c) => c.units))),
    totalOwed: formatMoney(totalOwedOf(corrections)),
    gain: formatMoney(posting.gain),
    revaluation: formatMoney(posting.revaluation),
    rounding: formatMoney(posting.rounding),
  };
  correctionsMemo.set(payload, { state, corrections });
  return {
    events: [fundEvent('ValuationCorrected', state.fundId, date, payload, valuationEntry(state.fundId, state.currency, posting, date))],
    result: {
      fundId: state.fundId,
      valuationDate: date,
      previousNavPerUnit: payload.previousNavPerUnit,
      navPerUnit: payload.navPerUnit,
      previousNetAssets: payload.previousNetAssets,
      netAssets: payload.netAssets,
      errorRatio: formatUnits(errorRatio),
      material: errorRatio.gte(MATERIAL_ERROR_RATIO),
      gain: payload.gain,
      revaluation: payload.revaluation,
      rounding: payload.rounding,
      holdings: corrections.slice(0, CORRECTION_ANSWER_HOLDINGS_MAX).map((c) => ({
        memberId: c.memberId,
        correctionUnits: formatSignedUnits(c.units),
        value: formatMoney(round2(c.units.times(nav))),
        owed: formatMoney(sum(c.owed.map((o) => o.amount))),
      })),
      holders: corrections.length,
      totalCorrectionUnits: payload.totalCorrectionUnits,
      totalOwed: payload.totalOwed,
    },
  };
}

function totalOwedOf(corrections: readonly UnitCorrection[]): Decimal {
  return sum(corrections.flatMap((c) => c.owed.map((o) => o.amount)));
}

/** Units with a sign: "-0.500000" or "47.619048". */
function formatSignedUnits(units: Decimal): string {
  return units.isNegative() ? `-${formatUnits(units.neg())}` : formatUnits(units);
}

/**
 * The correction of a valuation's posting: what valuationPosting would
 * have posted at the corrected figures, less what the original posted. Both
 * are taken on the holdings and books before the date's deals (the deals'
 * money is right; their units are corrected apart), so the difference is
 * the gain's (netAssets' - netAssets) and the revaluation's (the holdings
 * before the date at nav' less at nav).
 */
function correctionPosting(state: FundState, date: IsoDate, original: Valuation, netAssets: Decimal, nav: Decimal): ValuationPosting {
  const before = addDays(date, -1);
  const gain = netAssets.minus(original.netAssets);
  const revaluation = holdingsValue(state, before, nav).minus(holdingsValue(state, before, original.navPerUnit));
  return { gain, revaluation, rounding: gain.minus(revaluation) };
}

/** A correction payload's member corrections with the fund state they were computed on (see chargesMemo). */
const correctionsMemo = new WeakMap<object, { state: FundState; corrections: UnitCorrection[] }>();

/** A ValuationCorrected's member corrections, from the fund's state before it; crashes when they do not add up to its recorded totals. */
function correctionsOf(before: FundState, date: IsoDate, payload: ValuationCorrectedPayload): UnitCorrection[] {
  const memo = correctionsMemo.get(payload);
  if (memo !== undefined && memo.state === before) return memo.corrections;
  const corrections = unitCorrections(before, date, new Decimal(payload.navPerUnit));
  const total = formatSignedUnits(sum(corrections.map((c) => c.units)));
  const owed = formatMoney(totalOwedOf(corrections));
  if (corrections.length !== payload.holders || total !== payload.totalCorrectionUnits || owed !== payload.totalOwed) {
    throw new Error(
      `NAV correction of fund ${payload.fundId} for ${date} derives ${corrections.length} holdings, ${total} units, ${owed} owed; it recorded ${payload.holders}, ${payload.totalCorrectionUnits}, ${payload.totalOwed}`,
    );
  }
  correctionsMemo.set(payload, { state: before, corrections });
  return corrections;
}

/**
 * The MemberUnitsCorrected of each member a recorded ValuationCorrected
 * re-priced, derived from the fund's state before it, stamped as it was.
 * Units post nothing (a member's account holds money, which was right); cash
 * owed posts member unit liability Dr / member payable Cr (the other way
 * when the member owes it).
 */
export function correctionMemberEvents(before: FundState, correction: RecordedEvent): RecordedEvent[] {
  const e = parseFundEvent(correction);
  if (e.type !== 'ValuationCorrected') throw new Error(`member corrections asked of a ${e.type}`);
  assertSameFund(before, e.payload.fundId);
  return correctionsOf(before, correction.effectiveDate, e.payload).map((c) => {
    const owed = c.owed.map((o) => ({ cause: o.cause, ...(o.kind !== undefined ? { kind: o.kind } : {}), amount: formatMoney(o.amount) }));
    const payload: MemberUnitsCorrectedPayload = {
      memberId: c.memberId,
      fundId: before.fundId,
      navPerUnit: e.payload.navPerUnit,
      previousNavPerUnit: e.payload.previousNavPerUnit,
      units: formatSignedUnits(c.units),
      ...(owed.length > 0 ? { owed } : {}),
    };
    return {
      type: 'MemberUnitsCorrected',
      v: memberEventVersion('MemberUnitsCorrected'),
      entity: { kind: 'member', id: c.memberId },
      effectiveDate: correction.effectiveDate,
      payload,
      journal: c.owed.length === 0 ? EMPTY_ENTRY : cashOwedEntry(before.fundId, c.memberId, before.currency, c.owed.map((o) => o.amount)),
      recordedAt: correction.recordedAt,
      bookingPeriod: correction.bookingPeriod,
      commandId: correction.commandId,
      actor: correction.actor,
    };
  });
}

/** A correction's movements of the fund: units with no money, and the cash owed as more (or less) of the deal's flow paid out, with no units. */
function correctionMovements(corrections: readonly UnitCorrection[], date: IsoDate): UnitMovement[] {
  const movements: UnitMovement[] = [];
  for (const c of corrections) {
    if (!c.units.isZero()) movements.push({ effectiveDate: date, memberId: c.memberId, cause: 'correction', units: c.units, money: ZERO });
    for (const o of c.owed) movements.push({ effectiveDate: date, memberId: c.memberId, cause: o.cause, ...(o.kind !== undefined ? { kind: o.kind } : {}), units: ZERO, money: o.amount.neg() });
  }
  return movements;
}

/** A fund event whose member events are derived from it on apply and on replay (a fee, a NAV correction). */
export function derivesMemberEvents(event: DomainEvent): boolean {
  return event.entity.kind === 'fund' && (event.type === 'FeeCharged' || event.type === 'ValuationCorrected');
}

/** The member events derived from a recorded fund event (derivesMemberEvents), from the fund's state before it. */
export function derivedMemberEvents(before: FundState, event: RecordedEvent): RecordedEvent[] {
  if (event.type === 'FeeCharged') return feeMemberEvents(before, event);
  if (event.type === 'ValuationCorrected') return correctionMemberEvents(before, event);
  throw new Error(`no member events derive from a ${event.type}`);
}

// ---------------------------------------------------------------- fold

function withMovements(state: FundState, movements: readonly UnitMovement[]): FundState {
  let unitsOutstanding = state.unitsOutstanding;
  for (const m of movements) unitsOutstanding = unitsOutstanding.plus(m.units);
  return { ...state, movements: state.movements.append(...movements), unitsOutstanding };
}

/** A valuation (struck or corrected) on `date`: its NAV and net assets, and what it posted (handed back on handBackDate, if any). */
function withValuation(
  state: FundState,
  date: IsoDate,
  p: { navPerUnit: string; netAssets: string; gain: string; revaluation: string; handBackDate?: IsoDate },
): FundState {
  const valuations = new Map(state.valuations);
  valuations.set(date, { navPerUnit: new Decimal(p.navPerUnit), netAssets: new Decimal(p.netAssets) });
  const booking = { effectiveDate: date, netAssets: new Decimal(p.gain), unitLiability: new Decimal(p.revaluation) };
  const bookings = p.handBackDate === undefined ? [booking] : [booking, { effectiveDate: p.handBackDate, netAssets: booking.netAssets.neg(), unitLiability: booking.unitLiability.neg() }];
  return { ...state, valuations, bookings: state.bookings.append(...bookings) };
}

/** Folds one fund event (any schema version already upcast to v1); member events are not this fold's. */
export function evolveFund(state: FundState | undefined, event: RecordedEvent | DomainEvent): FundState {
  const e = parseFundEvent(event);
  if (e.type === 'FundLaunched') {
    if (state) throw new Error(`fund ${e.payload.fundId} launched twice`);
    const { fundId, currency, launchNavPerUnit } = e.payload;
    return {
      fundId,
      currency,
      launchNav: new Decimal(launchNavPerUnit),
      valuations: new Map(),
      movements: AppendLog.empty(),
      unitsOutstanding: ZERO,
      bookings: AppendLog.empty(),
      settlements: AppendLog.empty(),
    };
  }
  if (!state) throw new Error(`${e.type} before FundLaunched for fund ${e.payload.fundId}`);
  const date = e.effectiveDate;
  switch (e.type) {
    case 'ValuationStruck':
      return withValuation(state, date, e.payload);
    case 'ValuationCorrected':
      return withMovements(withValuation(state, date, e.payload), correctionMovements(correctionsOf(state, date, e.payload), date));
    case 'FeesSettled':
      return { ...state, settlements: state.settlements.append({ effectiveDate: date, amount: new Decimal(e.payload.amount) }) };
    case 'UnitsIssued': {
      const cause = e.payload.cause === 'switch' ? 'switch-in' : e.payload.kind === 'transfer-in' ? 'transfer-in' : 'contribution';
      return withMovements(state, [{ effectiveDate: date, memberId: e.payload.memberId, cause, units: new Decimal(e.payload.units), money: new Decimal(e.payload.amount) }]);
    }
    case 'UnitsCancelled':
      return withMovements(state, [
        { effectiveDate: date, memberId: e.payload.memberId, cause: 'switch-out', units: new Decimal(e.payload.units).neg(), money: new Decimal(e.payload.amount).neg() },
      ]);
    // A contribution's units cancelled at its own NAV: a negative contribution.
    case 'UnitsIssueReversed':
      return withMovements(state, [
        { effectiveDate: date, memberId: e.payload.memberId, cause: e.payload.kind === 'transfer-in' ? 'transfer-in' : 'contribution', units: new Decimal(e.payload.units).neg(), money: new Decimal(e.payload.amount).neg() },
      ]);
    // A withdrawal's units issued again at its own NAV: a negative withdrawal.
    case 'UnitsRedemptionReversed':
      return withMovements(state, [
        { effectiveDate: date, memberId: e.payload.memberId, cause: 'withdrawal', kind: e.payload.kind, units: new Decimal(e.payload.units), money: new Decimal(e.payload.amount) },
      ]);
    case 'UnitsRedeemed':
      return withMovements(state, [
        {
          effectiveDate: date,
          memberId: e.payload.memberId,
          cause: 'withdrawal',
          kind: e.payload.kind,
          units: new Decimal(e.payload.units).neg(),
          money: new Decimal(e.payload.amount).neg(),
        },
      ]);
    case 'FeeCharged':
      return withMovements(
        state,
        chargesOf(state, date, e.payload).map((c) => ({ effectiveDate: date, memberId: c.memberId, cause: 'fee', units: c.unitsCancelled.neg(), money: c.fee.neg() })),
      );
  }
}
