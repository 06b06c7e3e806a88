// 0001: FeeCharged v1 -> v2. A v1 fee listed every holding it charged in its
// payload, posted each holding on its journal, and carried a MemberFeeCharged
// per member in the same record, so a fee over a large fund outgrew one log
// record. v2 holds the parameters and totals only; the holdings, their
// postings and the members' events are derived from the fund's state before
// the fee by the same rule (domain-models/src/pensions/fund.ts, feeCharges),
// which is the rule v1 applied when it decided them: a v1 record read through
// this migration derives the very figures it recorded.
import type { Upcaster, VersionedEvent } from './index';

/** The payload: the holdings list becomes their count. */
export const feeChargedV1toV2: Upcaster = (payload) => {
  const { holdings, ...rest } = payload as { holdings: unknown[] } & Record<string, unknown>;
  return { fundId: rest.fundId, rate: rest.rate, navPerUnit: rest.navPerUnit, holders: holdings.length, totalFee: rest.totalFee, totalUnitsCancelled: rest.totalUnitsCancelled };
};

interface RecordEvent extends VersionedEvent {
  entity: { kind: string; id: string };
  journal: { lines: unknown[] };
}

/**
 * The record: a v1 FeeCharged loses its per-holding journal lines and the
 * record loses that fund's MemberFeeCharged events, both derived again on
 * apply. Events of a record without a v1 fee are returned as they are.
 */
export function feeRecordV1toV2<E extends RecordEvent>(events: E[]): E[] {
  const v1Funds = new Set<string>();
  for (const e of events) if (e.type === 'FeeCharged' && e.v === 1) v1Funds.add(e.entity.id);
  if (v1Funds.size === 0) return events;
  const out: E[] = [];
  for (const e of events) {
    if (e.type === 'MemberFeeCharged' && v1Funds.has(String(e.payload.fundId))) continue;
    out.push(e.type === 'FeeCharged' && e.v === 1 ? { ...e, journal: { lines: [] } } : e);
  }
  return out;
}
