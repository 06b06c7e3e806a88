// Forward-only upcasters of stored event payloads: an event of type T stored
// at schema version N is rewritten to N+1 by UPCASTERS[T][N], repeatedly,
// until it reaches the current version. Replay applies them, so logs written
// by any earlier release stay readable. Add one numbered file per change and
// register it here; never edit a released one.
export type Upcaster = (payload: Record<string, unknown>) => Record<string, unknown>;

import { feeChargedV1toV2, feeRecordV1toV2 } from './0001-fee-holdings-derived';
import { feeChargedV2toV3, memberFeeChargedV1toV2 } from './0002-fee-annual-rate';
import { valuationStruckV1toV2 } from './0003-valuation-postings';

export const UPCASTERS: Record<string, Record<number, Upcaster>> = {
  FeeCharged: { 1: feeChargedV1toV2, 2: feeChargedV2toV3 },
  MemberFeeCharged: { 1: memberFeeChargedV1toV2 },
  ValuationStruck: { 1: valuationStruckV1toV2 },
};

export interface VersionedEvent {
  type: string;
  v: number;
  payload: Record<string, unknown>;
}

/** The event at its type's latest schema version. */
export function upcast<E extends VersionedEvent>(event: E, registry = UPCASTERS): E {
  const steps = registry[event.type];
  if (!steps) return event;
  let current = event;
  for (let step = steps[current.v]; step; step = steps[current.v]) {
    current = { ...current, v: current.v + 1, payload: step(current.payload) };
  }
  return current;
}

/**
 * A stored record's events at their latest versions: the record-level steps
 * (a migration that moves events between a record and its derivation), then
 * each event's upcast.
 */
export function upcastRecordEvents<E extends VersionedEvent & { entity: { kind: string; id: string }; journal: { lines: unknown[] } }>(events: E[]): E[] {
  return feeRecordV1toV2(events).map((e) => upcast(e));
}

export { JSON_RECORD_FIRST_BYTE, JsonRecordFormatError, readJsonRecordV1 } from './0004-record-json';
