// Every view of the ledger, derived from the log into the read model:
// entity histories (bitemporal) and audit trails, the report series and the
// subledger. It subscribes to the event store, which hands it durable records
// in recordedAt order, at replay and live alike, inside the read model's
// write transaction. No clock, no randomness; storage behind ProjectionStore.
import {
  evolveClaim,
  evolveFund,
  evolveMember,
  checkStoredEvent,
  evolvePolicy,
  derivedMemberEvents,
  derivesMemberEvents,
  formatMoney,
  formatUnits,
  fundPeriodFigures,
  lastDay,
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
import type { Calendar } from './booked';
import { EntityCache, HistoryMap } from './history';
import type { ProjectionStore } from './store-port';
import { Reports } from './reports';
import { addClaimMovements, addLedgerMovements, addPolicyMovements, ledgerLines, type SeriesAdd } from './report-series';

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
  transfersIn: string;
  switchesIn: string;
  switchesOut: string;
  fees: string;
  /** Every withdrawal's money; withdrawalsByKind splits it. */
  withdrawals: string;
  withdrawalsByKind: { benefit: string; lumpSum: string; transferOut: string };
  marketMovement: string;
  netAssets: string;
}

/** A record's net posting to one entity account on one date (the subledger's line). */
interface SubledgerPosting {
  account: string;
  control: string;
  date: IsoDate;
  cents: bigint;
}

/** Latest states kept in memory when nothing says otherwise. */
export const DEFAULT_CACHE_ENTITIES = 50_000;

export class Projections implements RecordSubscriber {
  readonly policies: HistoryMap<PolicyState>;
  readonly claims: HistoryMap<ClaimState>;
  readonly funds: HistoryMap<FundState>;
  readonly members: HistoryMap<MemberState>;
  private readonly histories: { [K in FoldedKind]: HistoryMap<EntityStates[K]> };
  readonly reports: Reports;
  private readonly cache: EntityCache;

  constructor(
    calendar: Calendar,
    private readonly store: ProjectionStore,
    cacheEntities = DEFAULT_CACHE_ENTITIES,
  ) {
    const cache = (this.cache = new EntityCache(cacheEntities));
    this.policies = new HistoryMap<PolicyState>('policy', evolvePolicy, store, cache);
    this.claims = new HistoryMap<ClaimState>('claim', evolveClaim, store, cache);
    this.funds = new HistoryMap<FundState>('fund', evolveFund, store, cache);
    this.members = new HistoryMap<MemberState>('member', evolveMember, store, cache);
    this.histories = { policy: this.policies, claim: this.claims, fund: this.funds, member: this.members };
    this.reports = new Reports(store, calendar, this.policies, this.claims);
  }

  /** Latest states held in the cache now. */
  get cachedEntities(): number {
    return this.cache.size;
  }

  /** Inside the event store's commit (the read model's write transaction). */
  apply(record: CommandRecord): void {
    const { recordedAt } = record;
    // A zero movement changes no report figure; the general ledger's still count (a line of 0.00 puts its account on the trial balance).
    const add: SeriesAdd = (family, name, currency, bucket, cents) => {
      if (cents !== 0n || family === 'gl-month' || family === 'gl-day') this.store.addToSeries(family, name, currency, bucket, recordedAt, cents);
    };
    const subledger = new Map<string, SubledgerPosting>();
    for (const event of record.events) {
      const { kind, id } = event.entity;
      // An entity's event is checked before it is stored, folded now or not (read back, it is trusted: trustStoredEvent);
      // a decided event was checked already (a memo hit).
      if (kind !== 'ledger') checkStoredEvent(event);
      if (kind === 'policy') {
        const { before, after } = this.policies.add(id, event);
        addPolicyMovements(before, after, event, add);
      } else if (kind === 'claim') {
        const { before, after } = this.claims.add(id, event);
        addClaimMovements(before, after, event, add);
      } else if (kind === 'ledger') this.store.appendEvent(kind, id, this.store.eventCount(kind, id), event, false);
      else if (kind === 'fund' && derivesMemberEvents(event)) {
        // A fee or a NAV correction records its parameters and totals only: each member's share (a fee's with its posting) is derived here (fund.ts, derivedMemberEvents).
        const { before } = this.funds.add(id, event);
        for (const derived of derivedMemberEvents(before as FundState, event)) {
          this.members.append(derived.entity.id, derived, true);
          this.addLines(derived, add, subledger);
        }
      } else this.histories[kind].append(id, event);
      this.addLines(event, add, subledger);
    }
    // One subledger line per entity account and date per record: the subledger nets an account's lines, and a fee's
    // holdings all credit the fund's one fees-payable account (100,000 holdings: one line, not 100,000).
    for (const line of subledger.values()) this.store.addAccountLine(line.account, line.control, recordedAt, line.date, line.cents);
  }

  /**
   * A record the apply thread applied and committed (see RecordSubscriber):
   * the cached latest states follow it, so deciders on this thread see it
   * without folding from the store. A fee's or a NAV correction's member
   * events are derived here as on apply; when the fund's state before it is
   * not at hand, the members' cached states older than it are dropped instead.
   */
  follow(record: CommandRecord): void {
    const following = new Map<string, boolean>();
    for (const event of record.events) {
      const { kind, id } = event.entity;
      if (kind === 'ledger') continue;
      if (kind === 'fund' && derivesMemberEvents(event)) {
        const followed = this.funds.follow(id, event, following);
        if (followed === undefined) {
          this.cache.dropWhere('member/', (entry) => entry.lastAt < record.recordedAt);
          continue;
        }
        for (const derived of derivedMemberEvents(followed.before, event)) this.members.follow(derived.entity.id, derived, following);
      } else this.histories[kind].follow(id, event, following);
    }
  }

  private addLines(event: RecordedEvent, add: SeriesAdd, subledger: Map<string, SubledgerPosting>): void {
    const lines = ledgerLines(event);
    addLedgerMovements(lines, add);
    for (const line of lines) {
      if (line.entity === null) continue;
      const key = `${line.account}\x1f${line.date}`;
      const pending = subledger.get(key);
      if (pending) pending.cents += line.cents;
      else subledger.set(key, { account: line.account, control: line.control, date: line.date, cents: line.cents });
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
          transfersIn: f.transfersIn,
          switchesIn: f.switchesIn,
          switchesOut: f.switchesOut,
          fees: f.fees,
          withdrawals: f.withdrawals,
        }),
        withdrawalsByKind: mapMoney({ benefit: f.withdrawalsByKind.benefit, lumpSum: f.withdrawalsByKind['lump-sum'], transferOut: f.withdrawalsByKind['transfer-out'] }),
        ...mapMoney({ marketMovement: f.marketMovement, netAssets: f.closing.netAssets }),
      });
    }
    return lines;
  }
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
