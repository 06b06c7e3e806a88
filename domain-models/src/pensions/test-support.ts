// Builders and folds shared by the pension tests. Not exported from the package index.
import { Decimal } from '../common/decimal';
import type { IsoDate } from '../common/dates';
import type { Decision, DomainEvent, RecordedEvent } from '../common/events';
import type { ChargeFee, Contribute, LaunchFund, StrikeValuation, Switch, Withdraw } from './commands';
import type { WithdrawalKind } from './fields';
import { type FundState, evolveFund, derivedMemberEvents, derivesMemberEvents } from './fund';
import { type MemberState, evolveMember } from './member';
import { isFundEventType, isMemberEventType } from './events';

export const COMMAND_ID = '0123456789abcdef0123456789abcdef';
export const LAUNCH_DATE = '2026-01-01';
export const d = (text: string | number): Decimal => new Decimal(text);

export const launch = (fundId: string, nav: string, currency = 'EUR'): LaunchFund => ({ commandId: COMMAND_ID, fundId, currency, launchNavPerUnit: d(nav) });
export const valuation = (fundId: string, valuationDate: IsoDate, netAssets: string): StrikeValuation => ({
  commandId: COMMAND_ID,
  fundId,
  valuationDate,
  netAssets: d(netAssets),
});
export const fee = (fundId: string, effectiveDate: IsoDate, rate: string): ChargeFee => ({ commandId: COMMAND_ID, fundId, effectiveDate, rate: d(rate) });
export const annualFee = (fundId: string, effectiveDate: IsoDate, annualRate: string, days: number): ChargeFee => ({
  commandId: COMMAND_ID,
  fundId,
  effectiveDate,
  annualRate: d(annualRate),
  days,
  dayCount: 'ACT/365',
});
export const transferIn = (memberId: string, fundId: string, amount: string, effectiveDate: IsoDate, source?: string): Contribute => ({
  commandId: COMMAND_ID,
  memberId,
  fundId,
  amount: d(amount),
  effectiveDate,
  kind: 'transfer-in',
  ...(source !== undefined ? { source } : {}),
});
/** A withdrawal of `units` (or, with `by` 'amount', of money). */
export const withdrawal = (memberId: string, fundId: string, kind: WithdrawalKind, value: string, effectiveDate: IsoDate, by: 'units' | 'amount' = 'units', destination?: string): Withdraw => ({
  commandId: COMMAND_ID,
  memberId,
  fundId,
  kind,
  ...(by === 'units' ? { units: d(value) } : { amount: d(value) }),
  effectiveDate,
  ...(destination !== undefined ? { destination } : {}),
});
export const contribution = (memberId: string, fundId: string, amount: string, effectiveDate: IsoDate): Contribute => ({
  commandId: COMMAND_ID,
  memberId,
  fundId,
  amount: d(amount),
  effectiveDate,
});
export const switchOf = (memberId: string, fromFundId: string, toFundId: string, units: string, effectiveDate: IsoDate): Switch => ({
  commandId: COMMAND_ID,
  memberId,
  fromFundId,
  toFundId,
  units: d(units),
  effectiveDate,
});

/** An in-memory set of fund and member states, folding each decision's events (through JSON, as stored) into the entity each names. */
export class World {
  funds = new Map<string, FundState>();
  members = new Map<string, MemberState>();
  events: DomainEvent[] = [];

  /** Every member event derived from a fee (feeMemberEvents), as the projections derive them. */
  derived: RecordedEvent[] = [];

  apply(decision: Decision): Decision {
    for (const raw of decision.events) {
      const event = JSON.parse(JSON.stringify(raw)) as DomainEvent;
      // Stamped as the event store would (the fields a fee's member events copy).
      const stamped: RecordedEvent = { ...event, recordedAt: '2026-01-01T00:00:00.000000000Z', bookingPeriod: event.effectiveDate.slice(0, 7), commandId: COMMAND_ID, actor: 'test' };
      const derived = derivesMemberEvents(event) ? derivedMemberEvents(this.fund(event.entity.id), stamped) : [];
      this.fold(event);
      for (const d of derived) this.fold(d);
      this.derived.push(...derived);
    }
    return decision;
  }

  private fold(event: DomainEvent): void {
    if (event.entity.kind === 'fund' && isFundEventType(event.type)) this.funds.set(event.entity.id, evolveFund(this.funds.get(event.entity.id), event));
    else if (event.entity.kind === 'member' && isMemberEventType(event.type)) this.members.set(event.entity.id, evolveMember(this.members.get(event.entity.id), event));
    else throw new Error(`event ${event.type} on ${event.entity.kind}/${event.entity.id} has no fold`);
    this.events.push(event);
  }

  fund(id: string): FundState {
    const f = this.funds.get(id);
    if (!f) throw new Error(`no fund ${id}`);
    return f;
  }

  member(id: string): MemberState {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }
}
