// Every view of the ledger, rebuilt from the log: policy and claim histories
// (bitemporal), the general ledger, and the audit trail per entity. It
// subscribes to the event store, which hands it durable records in recordedAt
// order, at replay and live alike. No clock, no randomness, no I/O.
import {
  ZERO,
  claimFigures,
  evolveClaim,
  evolveFund,
  evolveMember,
  evolvePolicy,
  formatMoney,
  formatUnits,
  fundPeriodFigures,
  lastDay,
  policyFigures,
  previousPeriod,
  type ClaimState,
  type Decimal,
  type EntityKind,
  type FundState,
  type Instant,
  type IsoDate,
  type MemberState,
  type Period,
  type PolicyState,
  type RecordedEvent,
} from '@app/domain';
import type { CommandRecord, RecordSubscriber } from '@app/event-store';
import { Basis, Calendar, periodPoints } from './booked';
import { EntityCache, HistoryMap } from './history';
import type { ProjectionStore } from './store-port';
import { GeneralLedger, TrialBalance } from './journal';

export interface PremiumReportLine {
  policyId: string;
  currency: string;
  written: string;
  earned: string;
  openingUnearned: string;
  closingUnearned: string;
}

export interface ClaimsReportLine {
  claimId: string;
  policyId: string;
  currency: string;
  openingReserve: string;
  newReserves: string;
  reserveChanges: string;
  paid: string;
  closingReserve: string;
  incurred: string;
}

/** The state of each entity kind that has a fold (the ledger's own events have none). */
export interface EntityStates {
  policy: PolicyState;
  claim: ClaimState;
  fund: FundState;
  member: MemberState;
}
export type FoldedKind = keyof EntityStates;

export interface FundReportLine {
  fundId: string;
  currency: string;
  openingUnits: string;
  unitsIssued: string;
  unitsCancelled: string;
  closingUnits: string;
  navPerUnit: string;
  valuationDate: IsoDate | null;
  openingNetAssets: string;
  contributions: string;
  switchesIn: string;
  switchesOut: string;
  fees: string;
  marketMovement: string;
  netAssets: string;
}

/** Latest states kept in memory when nothing says otherwise. */
export const DEFAULT_CACHE_ENTITIES = 50_000;

export class Projections implements RecordSubscriber {
  readonly policies: HistoryMap<PolicyState>;
  readonly claims: HistoryMap<ClaimState>;
  readonly funds: HistoryMap<FundState>;
  readonly members: HistoryMap<MemberState>;
  private readonly histories: { [K in FoldedKind]: HistoryMap<EntityStates[K]> };
  readonly ledger: GeneralLedger;

  constructor(
    private readonly calendar: Calendar,
    private readonly store: ProjectionStore,
    cacheEntities = DEFAULT_CACHE_ENTITIES,
  ) {
    const cache = new EntityCache(cacheEntities);
    this.policies = new HistoryMap<PolicyState>('policy', evolvePolicy, store, cache);
    this.claims = new HistoryMap<ClaimState>('claim', evolveClaim, store, cache);
    this.funds = new HistoryMap<FundState>('fund', evolveFund, store, cache);
    this.members = new HistoryMap<MemberState>('member', evolveMember, store, cache);
    this.histories = { policy: this.policies, claim: this.claims, fund: this.funds, member: this.members };
    this.ledger = new GeneralLedger(store);
  }

  /** Inside the event store's commit (the read model's write transaction). */
  apply(record: CommandRecord): void {
    for (const event of record.events) {
      const { kind, id } = event.entity;
      if (kind !== 'ledger') this.histories[kind].add(id, event);
      else this.store.appendEvent(kind, id, this.store.eventCount(kind, id), event);
      this.ledger.add(event);
    }
  }

  /** The histories of one entity kind. */
  history<K extends FoldedKind>(kind: K): HistoryMap<EntityStates[K]> {
    return this.histories[kind];
  }

  /** Every event of an entity in record order. */
  auditTrail(kind: EntityKind, id: string): readonly RecordedEvent[] | undefined {
    const events = [...this.store.events(kind, id)];
    return events.length === 0 ? undefined : events;
  }

  premiumReport(from: Period, to: Period, basis: Basis, knownAt: Instant) {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    const totals = { written: ZERO, earned: ZERO, openingUnearned: ZERO, closingUnearned: ZERO };
    const policies: PremiumReportLine[] = [];
    for (const id of this.policies.ids()) {
      const history = this.policies.get(id)!;
      const before = figuresOrZero(history.knownAt(opening.knownAt), opening.asOf);
      const after = figuresOrZero(history.knownAt(closing.knownAt), closing.asOf);
      if (!after.state && !before.state) continue;
      const written = after.written.minus(before.written);
      const earned = after.earned.minus(before.earned);
      totals.written = totals.written.plus(written);
      totals.earned = totals.earned.plus(earned);
      totals.openingUnearned = totals.openingUnearned.plus(before.unearned);
      totals.closingUnearned = totals.closingUnearned.plus(after.unearned);
      policies.push({
        policyId: id,
        currency: (after.state ?? before.state)!.currency,
        written: formatMoney(written),
        earned: formatMoney(earned),
        openingUnearned: formatMoney(before.unearned),
        closingUnearned: formatMoney(after.unearned),
      });
    }
    return { totals: mapMoney(totals), policies };
  }

  claimsReport(from: Period, to: Period, basis: Basis, knownAt: Instant) {
    const { opening, closing } = periodPoints(from, to, basis, knownAt, this.calendar);
    const totals = { openingReserve: ZERO, newReserves: ZERO, reserveChanges: ZERO, paid: ZERO, closingReserve: ZERO, incurred: ZERO };
    const claims: ClaimsReportLine[] = [];
    for (const id of this.claims.ids()) {
      const history = this.claims.get(id)!;
      const a = claimOrZero(history.knownAt(opening.knownAt), opening.asOf);
      const b = claimOrZero(history.knownAt(closing.knownAt), closing.asOf);
      const state = history.knownAt(closing.knownAt) ?? history.knownAt(opening.knownAt);
      if (!state) continue;
      const line = {
        openingReserve: a.reserve,
        newReserves: b.newReserve.minus(a.newReserve),
        reserveChanges: b.reserveChanges.minus(a.reserveChanges),
        paid: b.paid.minus(a.paid),
        closingReserve: b.reserve,
        incurred: b.paid.minus(a.paid).plus(b.reserve).minus(a.reserve),
      };
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] = totals[k].plus(line[k]);
      claims.push({ claimId: id, policyId: state.policyId, currency: state.currency, ...mapMoney(line) });
    }
    return { totals: mapMoney(totals), claims };
  }

  /** Every fund known at knownAt over the months [from, to]: units and money rolled forward (see fundPeriodFigures). */
  fundReport(from: Period, to: Period, knownAt: Instant): FundReportLine[] {
    const opening = lastDay(previousPeriod(from));
    const closing = lastDay(to);
    const lines: FundReportLine[] = [];
    for (const id of this.funds.ids()) {
      const state = this.funds.get(id)!.knownAt(knownAt);
      if (!state) continue;
      const f = fundPeriodFigures(state, opening, closing);
      lines.push({
        fundId: id,
        currency: state.currency,
        ...mapUnits({ openingUnits: f.openingUnits, unitsIssued: f.unitsIssued, unitsCancelled: f.unitsCancelled, closingUnits: f.closingUnits, navPerUnit: f.closing.navPerUnit }),
        valuationDate: f.closing.valuationDate,
        ...mapMoney({
          openingNetAssets: f.openingNetAssets,
          contributions: f.contributions,
          switchesIn: f.switchesIn,
          switchesOut: f.switchesOut,
          fees: f.fees,
          marketMovement: f.marketMovement,
          netAssets: f.closing.netAssets,
        }),
      });
    }
    return lines;
  }

  trialBalance(asOf: IsoDate, knownAt: Instant): TrialBalance {
    return this.ledger.trialBalance(asOf, knownAt);
  }
}

function figuresOrZero(state: PolicyState | undefined, asOf: IsoDate) {
  if (!state) return { state, written: ZERO, earned: ZERO, unearned: ZERO };
  return { state, ...policyFigures(state, asOf) };
}

function claimOrZero(state: ClaimState | undefined, asOf: IsoDate) {
  if (!state) return { newReserve: ZERO, reserveChanges: ZERO, paid: ZERO, reserve: ZERO };
  return claimFigures(state, asOf);
}

function mapFormat(format: (value: Decimal) => string) {
  return <T extends Record<string, Decimal>>(values: T): { [K in keyof T]: string } => {
    const out = {} as { [K in keyof T]: string };
    for (const k of Object.keys(values) as (keyof T)[]) out[k] = format(values[k]);
    return out;
  };
}

const mapMoney = mapFormat(formatMoney);
const mapUnits = mapFormat(formatUnits);
