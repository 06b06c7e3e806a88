// The event envelope. A decider returns DomainEvents; the event store stamps
// them (recordedAt, bookingPeriod, commandId, actor) into RecordedEvents, the
// only form that is stored and projected.
import type { IsoDate, Instant, Period } from './dates';
import type { EntityRef } from './ids';
import type { JournalEntry } from './journal';

export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  /** Schema version of this event type's payload; migrations/ upcast older ones. */
  v: number;
  entity: EntityRef;
  /** Valid time: when it is true in the business. */
  effectiveDate: IsoDate;
  payload: P;
  journal: JournalEntry;
}

export interface RecordedEvent<T extends string = string, P = Record<string, unknown>> extends DomainEvent<T, P> {
  /** System time the ledger made it durable: strictly increasing across the ledger. */
  recordedAt: Instant;
  /** Month of effectiveDate, or the first open month if that month was closed when recorded. */
  bookingPeriod: Period;
  commandId: string;
  actor: string;
}

/** What a decider returns: the events of one command and the fields of its 201 response. */
export interface Decision {
  events: DomainEvent[];
  result: Record<string, unknown>;
}

/** A zod-like payload schema: anything with `parse`. */
interface PayloadSchema {
  parse(value: unknown): unknown;
}

/**
 * Reads stored events of one family (policy, claim, ...): checks the type is
 * one of `payloads`, the version is the current one (`typeVersions` for a
 * type past the family's `version`; older versions must be
 * upcast through migrations/ first) and the payload's schema.
 *
 * Payload schemas only check (no transforms, no defaults), so a valid event
 * is returned as it is. Payloads are immutable once decided, so each payload
 * object is checked once as the type it was checked for: a fold that meets it
 * again (the decided event, then the stamped one sharing its payload; a
 * batch's overlay then the projection; an as-of query folding a prefix of a
 * history) takes it as checked.
 */
/**
 * Payloads read back from the ledger's own read model, by the type they were
 * stored as: every event was checked against its schema before it was
 * stored (when decided, or when its log record was applied), so a fold of
 * stored events does not check them again on every read.
 */
const storedPayloads = new WeakMap<object, string>();

/** Marks an event read back from the read model as checked (see storedPayloads); returns it. */
export function trustStoredEvent<E extends RecordedEvent>(event: E): E {
  if (typeof event.payload === 'object' && event.payload !== null) storedPayloads.set(event.payload, event.type);
  return event;
}

export function eventFamily<P extends Record<string, PayloadSchema>>(family: string, version: number, payloads: P, typeVersions: Partial<Record<keyof P, number>> = {}) {
  const isType = (type: string): type is Extract<keyof P, string> => Object.prototype.hasOwnProperty.call(payloads, type);
  const checkedAs = new WeakMap<object, string>();
  const parse = (event: DomainEvent | RecordedEvent): DomainEvent => {
    if (!isType(event.type)) throw new Error(`not a ${family} event: ${event.type}`);
    const current = typeVersions[event.type] ?? version;
    if (event.v !== current) throw new Error(`${event.type} v${event.v} is not v${current}: upcast it first (migrations/)`);
    const payload = event.payload as object;
    if (typeof payload === 'object' && payload !== null && (checkedAs.get(payload) === event.type || storedPayloads.get(payload) === event.type)) return event;
    payloads[event.type].parse(payload);
    if (typeof payload === 'object' && payload !== null) checkedAs.set(payload, event.type);
    return event;
  };
  return { isType, parse };
}
